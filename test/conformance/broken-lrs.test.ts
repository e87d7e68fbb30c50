import t, { type Test } from 'tap'
import { allChecks } from '../../conformance/checks/index.js'
import { runSuite } from '../../conformance/lib/runner.js'
import { checkName } from '../../conformance/lib/types.js'
import { CHECKED, FAKE_KEY, FAKE_SECRET, startBrokenLrs, type Faults } from './fake-lrs.js'

/**
 * Proves the checks can fail: against the fake LRS of fake-lrs.ts, each broken rule must fail
 * exactly the check named after it, and nothing else.
 */

const selected = allChecks().filter((check) =>
  (Object.values(CHECKED) as string[]).includes(checkName(check)),
)

async function failuresAgainst(t: Test, faults: Faults): Promise<string[]> {
  const endpoint = await startBrokenLrs(t, faults)
  const report = await runSuite({
    endpoint,
    key: FAKE_KEY,
    secret: FAKE_SECRET,
    versions: ['2.0.0'],
    checks: selected,
  })
  t.equal(report.totals.total, Object.keys(CHECKED).length, 'every selected check ran')
  return report.results.filter((r) => r.outcome === 'fail').map((r) => r.name)
}

t.test('the selected checks exist in the suite', async (t) => {
  t.equal(selected.length, Object.keys(CHECKED).length)
})

t.test('an LRS that keeps these rules passes the checks for them', async (t) => {
  t.same(await failuresAgainst(t, {}), [])
})

t.test('accepting an Agent with two IFIs fails only the two-IFI check', async (t) => {
  t.same(await failuresAgainst(t, { twoIfis: true }), [CHECKED.twoIfis])
})

t.test('answering 200 to a conflicting statement id fails only the conflict check', async (t) => {
  t.same(await failuresAgainst(t, { conflictAccepted: true }), [CHECKED.conflictAccepted])
})

t.test('omitting the version header fails only the version header check', async (t) => {
  t.same(await failuresAgainst(t, { noVersionHeader: true }), [CHECKED.noVersionHeader])
})
