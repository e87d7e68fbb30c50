import { expectEqual, expectHeader, expectStatus, expectTrue, fail } from '../lib/expect.js'
import { agent, statement, uuid, type Json } from '../lib/fixtures.js'
import { multipartBody, parseMultipart, sha256, type AttachmentPart } from '../lib/multipart.js'
import { fetchStatement } from '../lib/steps.js'
import type { LrsClient } from '../lib/lrs-client.js'
import { ALL_VERSIONS, type Check } from '../lib/types.js'

/** Statements with attachments sent and read as multipart/mixed (Data 2.4.11, Comm 1.5.2). */

function check(section: string, requirement: string, run: Check['run']): Check {
  return { section, requirement, versions: ALL_VERSIONS, run }
}

function declared(data: Buffer, extra: Json = {}): Json {
  return {
    usageType: 'http://id.tincanapi.com/attachment/supporting_media',
    display: { 'en-US': 'Conformance attachment' },
    contentType: 'text/plain',
    length: data.length,
    sha2: sha256(data),
    ...extra,
  }
}

function sendMultipart(
  lrs: LrsClient,
  statements: unknown,
  parts: AttachmentPart[],
  method: 'POST' | 'PUT' = 'POST',
  statementId?: string,
) {
  const { body, contentType } = multipartBody(statements, parts)
  return lrs.request({
    method,
    path: 'statements',
    ...(statementId === undefined ? {} : { query: { statementId } }),
    headers: { 'Content-Type': contentType },
    body,
  })
}

export const attachmentChecks: readonly Check[] = [
  check(
    'Comm 1.5.2',
    'The LRS MUST accept a Statement with an Attachment sent as multipart/mixed',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()}`)
      const s = statement({ attachments: [declared(data)] })
      expectStatus(
        await sendMultipart(lrs, [s], [{ contentType: 'text/plain', data }]),
        200,
        'POST multipart/mixed',
      )
      await fetchStatement(lrs, String(s.id))
    },
  ),
  check(
    'Comm 1.5.2',
    'The LRS MUST accept a multipart/mixed PUT of one Statement with an Attachment',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()}`)
      const s = statement({ attachments: [declared(data)] })
      expectStatus(
        await sendMultipart(lrs, s, [{ contentType: 'text/plain', data }], 'PUT', String(s.id)),
        204,
        'PUT multipart/mixed',
      )
    },
  ),
  check(
    'Comm 1.5.2',
    'The LRS MUST accept multipart/mixed batches that contain no Attachments',
    async ({ lrs }) => {
      expectStatus(
        await sendMultipart(lrs, [statement()], []),
        200,
        'POST multipart/mixed without attachments',
      )
    },
  ),
  check(
    'Comm 1.5.2',
    'The LRS MUST reject an Attachment whose data does not match its declared hash',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()}`)
      const s = statement({ attachments: [declared(data)] })
      const response = await sendMultipart(
        lrs,
        [s],
        [{ contentType: 'text/plain', data, hash: sha256(Buffer.from('other data')) }],
      )
      expectStatus(response, 400, 'POST with a hash mismatch')
    },
  ),
  check(
    'Comm 1.5.2',
    'The LRS MUST reject an Attachment declared without fileUrl and sent without data',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()}`)
      const s = statement({ attachments: [declared(data)] })
      expectStatus(await sendMultipart(lrs, [s], []), 400, 'POST with a missing attachment part')
    },
  ),
  check(
    'Comm 1.5.2',
    'An Attachment part MUST carry an X-Experience-API-Hash header',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()}`)
      const s = statement({ attachments: [declared(data)] })
      expectStatus(
        await sendMultipart(lrs, [s], [{ contentType: 'text/plain', data, omitHash: true }]),
        400,
        'POST with a part lacking its hash',
      )
    },
  ),
  check(
    'Comm 1.5.2',
    'The LRS MUST accept multipart/mixed batches with only fileUrl Attachments',
    async ({ lrs }) => {
      const data = Buffer.from('remote file')
      const s = statement({
        attachments: [
          declared(data, { fileUrl: 'http://conformance.example.org/files/remote.txt' }),
        ],
      })
      expectStatus(
        await sendMultipart(lrs, [s], []),
        200,
        'POST multipart/mixed with a fileUrl attachment',
      )
    },
  ),
  check(
    'Comm 2.1.3',
    'attachments=true returns multipart/mixed with the Attachment data and its hash',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()} ✓`)
      const s = statement({ attachments: [declared(data)] })
      expectStatus(
        await sendMultipart(lrs, [s], [{ contentType: 'text/plain', data }]),
        200,
        'POST multipart/mixed',
      )
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: String(s.id), attachments: true },
      })
      expectStatus(response, 200, 'GET with attachments=true')
      const type = expectHeader(response, 'Content-Type', 'GET with attachments=true')
      expectTrue(type.startsWith('multipart/mixed'), `Content-Type is ${type}`)
      const parts = parseMultipart(response.bytes, type)
      expectTrue(
        parts.length >= 2,
        `expected a Statement part and an Attachment part, got ${parts.length} parts`,
      )
      const attachment = parts.find((p) => p.headers['x-experience-api-hash'] === sha256(data))
      if (attachment === undefined) fail('no part carries the Attachment hash')
      expectEqual(attachment.body.toString('utf8'), data.toString('utf8'), 'attachment data')
    },
  ),
  check(
    'Comm 2.1.3',
    'attachments=false (the default) returns application/json',
    async ({ lrs }) => {
      const data = Buffer.from(`attachment ${uuid()}`)
      const s = statement({ attachments: [declared(data)] })
      expectStatus(
        await sendMultipart(lrs, [s], [{ contentType: 'text/plain', data }]),
        200,
        'POST multipart/mixed',
      )
      const response = await lrs.request({
        path: 'statements',
        query: { statementId: String(s.id) },
      })
      const type = expectHeader(response, 'Content-Type', 'GET without attachments')
      expectTrue(type.startsWith('application/json'), `Content-Type is ${type}`)
    },
  ),
  check(
    'Data 2.4.11',
    'One Attachment part can serve two Statements of a batch declaring the same hash',
    async ({ lrs }) => {
      const data = Buffer.from(`shared ${uuid()}`)
      const learner = agent()
      const batch = [
        statement({ actor: learner, attachments: [declared(data)] }),
        statement({ actor: learner, attachments: [declared(data)] }),
      ]
      expectStatus(
        await sendMultipart(lrs, batch, [{ contentType: 'text/plain', data }]),
        200,
        'POST of a batch sharing one part',
      )
    },
  ),
  check(
    'Data 2.6',
    'The LRS MUST reject a signed Statement whose signature is not a JWS',
    async ({ lrs }) => {
      const data = Buffer.from('this is not a JSON web signature')
      const s = statement({
        attachments: [
          {
            ...declared(data),
            usageType: 'http://adlnet.gov/expapi/attachments/signature',
            contentType: 'application/octet-stream',
          },
        ],
      })
      expectStatus(
        await sendMultipart(lrs, [s], [{ contentType: 'application/octet-stream', data }]),
        400,
        'POST of a malformed signature',
      )
    },
  ),
]
