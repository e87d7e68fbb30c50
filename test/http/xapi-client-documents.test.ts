import XAPIModule from '@xapi/xapi'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { KEY, SECRET, startHub } from '../helpers/hub.js'

/**
 * Drives the State, Activity Profile and Agent Profile resources with @xapi/xapi, a real client,
 * against the hub listening on a random local port.
 */

// The package is CommonJS whose declarations describe an ES default export: under NodeNext the
// class is `.default`, which the package also sets at run time.
const XAPI = XAPIModule.default
type Version = ConstructorParameters<typeof XAPI>[0]['version']

/** The HTTP status of a failed client call (the adapters reject with the response attached). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call
    return 200
  } catch (error) {
    const response = (error as { response?: { status?: number } }).response
    return response?.status ?? -1
  }
}

t.test('a real xAPI client keeps state and profiles', async (t) => {
  const hub = await startHub(t)
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })

  for (const version of ['1.0.3', '2.0.0']) {
    const xapi = new XAPI({
      endpoint: `${address}/xapi/`,
      auth: XAPI.toBasicAuth(KEY, SECRET),
      version: version as Version,
    })
    const agent = { objectType: 'Agent' as const, mbox: `mailto:lan-${randomUUID()}@example.org` }
    const activityId = `https://courses.example.org/${randomUUID()}`
    const registration = randomUUID()

    // State: create, merge, read, list, replace with the ETag, delete one and all.
    await xapi.createState({
      agent,
      activityId,
      registration,
      stateId: 'bookmark',
      state: { page: 1 },
    })
    await xapi.createState({
      agent,
      activityId,
      registration,
      stateId: 'bookmark',
      state: { score: 7 },
    })
    const state = await xapi.getState({ agent, activityId, registration, stateId: 'bookmark' })
    t.same(state.data, { page: 1, score: 7 }, `${version}: POST merged the state`)
    const etag = state.headers.etag as string
    t.match(etag, /^"[0-9a-f]{40}"$/)

    await xapi.setState({
      agent,
      activityId,
      registration,
      stateId: 'bookmark',
      state: { page: 2 },
      etag,
      matchHeader: 'If-Match',
    })
    t.same((await xapi.getState({ agent, activityId, registration, stateId: 'bookmark' })).data, {
      page: 2,
    })
    const stale = xapi.setState({
      agent,
      activityId,
      registration,
      stateId: 'bookmark',
      state: { page: 3 },
      etag,
      matchHeader: 'If-Match',
    })
    t.equal(await statusOf(stale), 412, 'a stale ETag is refused')

    await xapi.setState({
      agent,
      activityId,
      registration,
      stateId: 'notes',
      state: 'plain words',
      contentType: 'text/plain',
    })
    const notes = await xapi.getState({ agent, activityId, registration, stateId: 'notes' })
    t.equal(notes.data, 'plain words')
    t.match(notes.headers['content-type'], /^text\/plain/)
    t.same([...(await xapi.getStates({ agent, activityId, registration })).data].sort(), [
      'bookmark',
      'notes',
    ])

    await xapi.deleteState({ agent, activityId, registration, stateId: 'notes' })
    t.same((await xapi.getStates({ agent, activityId, registration })).data, ['bookmark'])
    await xapi.deleteStates({ agent, activityId, registration })
    t.same((await xapi.getStates({ agent, activityId })).data, [])

    // Activity Profile.
    await xapi.setActivityProfile({
      activityId,
      profileId: 'syllabus',
      profile: { weeks: 12 },
      etag: '*',
      matchHeader: 'If-None-Match',
    })
    const profile = await xapi.getActivityProfile({ activityId, profileId: 'syllabus' })
    t.same(profile.data, { weeks: 12 })
    await xapi.createActivityProfile({
      activityId,
      profileId: 'syllabus',
      profile: { credits: 3 },
      etag: profile.headers.etag as string,
      matchHeader: 'If-Match',
    })
    t.same((await xapi.getActivityProfile({ activityId, profileId: 'syllabus' })).data, {
      weeks: 12,
      credits: 3,
    })
    t.same((await xapi.getActivityProfiles({ activityId })).data, ['syllabus'])
    const twice = xapi.setActivityProfile({
      activityId,
      profileId: 'syllabus',
      profile: { weeks: 1 },
      etag: '*',
      matchHeader: 'If-None-Match',
    })
    t.equal(await statusOf(twice), 412, 'If-None-Match: * refuses to overwrite')
    await xapi.deleteActivityProfile({ activityId, profileId: 'syllabus' })
    t.equal(await statusOf(xapi.getActivityProfile({ activityId, profileId: 'syllabus' })), 404)

    // Agent Profile.
    await xapi.setAgentProfile({
      agent,
      profileId: 'preferences',
      profile: { language: 'vi' },
      etag: '*',
      matchHeader: 'If-None-Match',
    })
    const preferences = await xapi.getAgentProfile({ agent, profileId: 'preferences' })
    t.same(preferences.data, { language: 'vi' })
    t.same((await xapi.getAgentProfiles({ agent })).data, ['preferences'])
    await xapi.deleteAgentProfile({
      agent,
      profileId: 'preferences',
      etag: preferences.headers.etag as string,
    })
    t.same((await xapi.getAgentProfiles({ agent })).data, [])

    // The read-only resources.
    t.same((await xapi.getActivity({ activityId })).data, {
      objectType: 'Activity',
      id: activityId,
    })
    t.same((await xapi.getAgent({ agent })).data, { objectType: 'Person', mbox: [agent.mbox] })
    // A 1.0.x client is shown the 1.0 line only (src/xapi/version.ts).
    t.same(
      (await xapi.getAbout()).data.version,
      version === '1.0.3'
        ? ['1.0.0', '1.0.1', '1.0.2', '1.0.3']
        : ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '2.0.0'],
    )
  }
})
