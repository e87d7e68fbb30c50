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
