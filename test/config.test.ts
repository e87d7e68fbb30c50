import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { DEFAULT_NATIONAL_ID_HOMEPAGE } from '../src/profile/vocabulary.js'

t.test(
  'NATIONAL_ID_HOMEPAGE defaults to the national identity provider and must be an http(s) URL',
  async (t) => {
    t.equal(loadConfig({}).nationalIdHomePage, DEFAULT_NATIONAL_ID_HOMEPAGE)
    t.equal(
      loadConfig({ NATIONAL_ID_HOMEPAGE: 'https://id.example.vn' }).nationalIdHomePage,
      'https://id.example.vn',
    )
    t.throws(() => loadConfig({ NATIONAL_ID_HOMEPAGE: 'vneid.gov.vn' }), ConfigError)
    t.throws(
      () => loadConfig({ NATIONAL_ID_HOMEPAGE: 'ftp://id.example.vn' }),
      /NATIONAL_ID_HOMEPAGE must be an absolute http\(s\) URL/,
    )
  },
)

t.test('SIGNING_KEY maps each key to one purpose and refuses keys that fit none', async (t) => {
  const rsa = (bits: number) =>
    generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'jwk' })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
  const env = (value: unknown) => ({ SIGNING_KEY: JSON.stringify(value) })

  t.same(loadConfig({}).signingKeys, [], 'generated keys when unset')
  t.match(loadConfig(env(ec)).signingKeys, [{ purpose: 'tokens', alg: 'ES256' }])
  t.match(loadConfig(env({ keys: [ec, rsa(2048)] })).signingKeys, [
    { purpose: 'tokens', alg: 'ES256' },
    { purpose: 'credentials', alg: 'RS256' },
  ])

  t.throws(() => loadConfig(env(rsa(1024))), {
    name: 'ConfigError',
    message: /SIGNING_KEY an RSA key must have at least 2048 bits .*got 1024/,
  })
  const publicEc = Object.fromEntries(Object.entries(ec).filter(([name]) => name !== 'd'))
  t.throws(() => loadConfig(env(publicEc)), { message: /SIGNING_KEY must be a private JWK/ })
  const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({
    format: 'jwk',
  })
  t.throws(() => loadConfig(env(secp256k1)), { message: /must be an RSA key .* or an Ed25519/ })
  t.throws(() => loadConfig(env({ keys: [ec, ec] })), {
    message: /only one key for tokens/,
  })
  t.throws(() => loadConfig(env({ keys: [] })), { message: /SIGNING_KEY.keys must be/ })
  t.throws(() => loadConfig(env([ec])), ConfigError)
})
