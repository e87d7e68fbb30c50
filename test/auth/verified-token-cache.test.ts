import t from 'tap'
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js'

t.test('a verified token is remembered until its exp, never beyond the cap', (t) => {
  const cache = new VerifiedTokenCache<string>(10, 60_000)
  const now = 1_000_000
  cache.set('token-a', 'alice', now + 30_000, now)
  t.equal(cache.get('token-a', now + 29_999), 'alice')
  t.equal(cache.get('token-a', now + 30_000), undefined, 'gone at exp')

  cache.set('token-b', 'bob', now + 3_600_000, now)
  t.equal(cache.get('token-b', now + 59_999), 'bob')
  t.equal(cache.get('token-b', now + 60_000), undefined, 'gone at the cap, long before exp')

  cache.set('token-c', 'carol', now - 1, now)
  t.equal(cache.get('token-c', now), undefined, 'an expired token is not kept')
  t.equal(cache.get('token-unknown', now), undefined)
  t.end()
})

t.test('the cache is bounded, oldest first', (t) => {
  const cache = new VerifiedTokenCache<number>(3, 60_000)
  const now = 5_000
  for (let i = 0; i < 5; i++) cache.set(`token-${i}`, i, now + 10_000, now)
  t.equal(cache.get('token-0', now), undefined)
  t.equal(cache.get('token-1', now), undefined)
  t.same(
    [2, 3, 4].map((i) => cache.get(`token-${i}`, now)),
    [2, 3, 4],
  )
  t.end()
})
