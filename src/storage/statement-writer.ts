import { HubError } from '../errors.js'
import type { JsonObject } from '../xapi/agent-key.js'
import { sameStatement } from '../xapi/statement-equivalence.js'
import type { Db } from './db.js'
import { PG_ERROR, pgErrorCode } from './db.js'
import {
  attachmentsOf,
  conflict,
  dependsOn,
  flushIds,
  prepareRows,
  toInsertRows,
  type FlushIds,
  type Pending,
  type Row,
  type WriteRequest,
  type WriteResult,
} from './flush-rows.js'
import {
  allocateSeqs,
  insertRows,
  KnownDefinitions,
  learnActivities,
  storeAttachments,
  type InsertOutcome,
} from './statement-insert.js'
import { WriterLease } from './writer-lease.js'

export type { WriteRequest, WriteResult } from './flush-rows.js'

/**
 * Group commit for statement writes. Requests do not each open a transaction: they join a queue,
 * and a flush writes everything queued with a single SQL statement (see statement-insert.ts).
 * Under load a flush carries hundreds of requests, so a statement costs a few microseconds of
 * SQL instead of a round trip and a commit; when idle a flush carries one request and adds no
 * delay.
 *
 * On a PostgreSQL server several flushes are in flight at once, so the hub prepares one while the
 * server writes others, and the server's inserts run on several backends. Each write attempt
 * takes a ticket, and tickets keep storage order equal to commit order:
 * 1. a ticket reserves its `seq` values only after the previous ticket reserved its own, so
 *    ticket order is `seq` order;
 * 2. its INSERT then runs in a transaction, concurrently with the previous ticket's;
 * 3. it commits only after the previous ticket has committed (or failed).
 * A reader therefore never sees a statement while one with a lower `seq` is still to commit,
 * which keyset paging and the projectors' cursors rely on. Two flushes overlap only when neither
 * names the other's statements (see `dependsOn`), because each INSERT sees only committed rows.
 * The embedded store is one connection, so there flushes run one at a time.
 *
 * Across hub processes sharing a server, the same order holds because only the process holding
 * the writer lease (writer-lease.ts) starts flushes; the others queue until it gives way.
 *
 * Guarantees:
 * - A request is acknowledged only after the statement holding all of it has committed, and a
 *   request is stored entirely or not at all.
 * - `seq` (storage order) and `stored` grow together in commit order within a hub process.
 * - The same id with an equal statement is a no-op; with a different statement a 409, decided per
 *   request, so one client's conflict never fails another client's request in the same flush.
 */

/**
 * Most statements one flush takes. It bounds the size of the one SQL statement a flush sends, and
 * under load it splits the queue over the flushes in flight instead of one flush taking it all
 * while the others wait for its commit.
 */
const MAX_FLUSH_STATEMENTS = 1000
/**
 * Flushes in flight on a PostgreSQL server. Each holds a connection; beyond the server's cores
 * more only queue (measured: 2 and 4 are within noise of each other on 2 cores, docs/performance.md).
 */
const SERVER_DEPTH = 4
/** Queued statements that justify starting a flush while another is running. */
const PIPELINE_BACKLOG = 200

interface Flush {
  batch: Pending[]
  rows: Row[]
  ids: FlushIds
}

/**
 * The most flushes a pool of `poolSize` connections can carry: a flush waiting for an earlier
 * one to commit holds a connection, so one must stay free for the earliest flush.
 */
export function depthForPool(poolSize: number): number {
  return Math.max(1, poolSize - 1)
}

export interface WriterOptions {
  /** At most this many flushes in flight (SERVER_DEPTH on a server, 1 on PGlite); see depthForPool. */
  maxDepth?: number
}

export class StatementWriter {
  private queue: Pending[] = []
  /** A prepared flush that waits for the running ones because it depends on them. */
  private held: Flush | undefined
  private readonly running = new Map<Promise<void>, FlushIds>()
  /** Settles when the last ticket has reserved its seqs, and when it has committed or failed. */
  private reservedTail: Promise<void> = Promise.resolve()
  private committedTail: Promise<void> = Promise.resolve()
  /** Tickets whose commit has not settled yet. */
  private unsettledTickets = 0
  /** Statements waiting in `queue`. */
  private queued = 0
  private lastStoredMs = 0
  private closed = false
  private readonly depth: number
  private readonly known = new KnownDefinitions()
  /** How often one flush retries after a concurrent writer took one of its ids. */
  private static readonly RACE_RETRIES = 5
  /** How often one flush waits for the writer lease again after losing it mid-write. */
  private static readonly LEASE_RETRIES = 10
  /** On a server: the lease that orders this process's flushes against other hubs'. */
  private readonly lease: WriterLease | undefined
  /** Flushes that lost the lease mid-write, waiting for it to be taken again. */
  private leaseWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = []
  /** Write attempts so far, by how they were ordered (seen by tests and diagnostics). */
  readonly tickets = { solo: 0, overlapped: 0 }
  /** Totals since start, read by the metrics endpoint (src/observability/hub-metrics.ts). */
  readonly stats = { statementsStored: 0, flushesCommitted: 0, flushesFailed: 0 }
  /** Stored time of the last committed flush (for X-Experience-API-Consistent-Through). */
  consistentThrough = new Date().toISOString()

  /**
   * `onCommitted` is called after each flush that stored statements, so followers of the
   * statements table (the skills projector) can run without polling; it must not block.
   */
  constructor(
    private readonly db: Db,
    private readonly onCommitted?: (inserted: number) => void,
    options: WriterOptions = {},
  ) {
    this.depth =
      db.kind === 'pglite'
        ? 1
        : Math.max(1, Math.min(SERVER_DEPTH, options.maxDepth ?? SERVER_DEPTH))
    const openSession = db.openSession?.bind(db)
    if (openSession !== undefined) {
      this.lease = new WriterLease(
        { ...db, openSession },
        {
          onHeld: () => {
            const waiters = this.leaseWaiters
            this.leaseWaiters = []
            for (const waiter of waiters) waiter.resolve()
            this.kick()
          },
          onYield: () => this.kick(),
          onUnavailable: (error) => this.failWaiting(error),
        },
      )
    }
  }

  /** Queues a request's statements; resolves once they are committed. */
  write(request: WriteRequest): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new HubError('unavailable', 'the hub is shutting down'))
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject })
      this.queued += request.statements.length
      this.kick()
    })
  }

  /** Stops taking writes and waits until everything queued is committed. */
  async close(): Promise<void> {
    this.closed = true
    while (this.running.size > 0) await Promise.all(this.running.keys())
    await this.lease?.close()
  }

  /** The writer lease could not be taken: what waits for it fails as the server being down. */
  private failWaiting(cause: unknown): void {
    const error = storeFailed(cause)
    const waiters = this.leaseWaiters
    this.leaseWaiters = []
    for (const waiter of waiters) waiter.reject(error)
    const queued = this.queue
    this.queue = []
    this.queued = 0
    for (const pending of queued) pending.reject(error)
    if (this.held !== undefined) {
      for (const pending of this.held.batch) pending.reject(error)
      this.held = undefined
    }
  }

  /** Statements waiting for a flush, and flushes in flight (for the metrics endpoint). */
  get backlog(): { queuedStatements: number; flushesInFlight: number } {
    return { queuedStatements: this.queued, flushesInFlight: this.running.size }
  }

  /** Whether this process holds the writer lease now; always true on the embedded store. */
  get holdsLease(): boolean {
    return this.lease === undefined || this.lease.epoch !== undefined
  }

  /** Turns this process has taken at the writer lease (0 on the embedded store). */
  get leaseTurns(): number {
    return this.lease?.acquisitions ?? 0
  }

  /**
   * Whether flushes may start now. On a server they need the writer lease: without it, queued
   * work asks for it; while giving way, nothing new starts and the lease is released as soon as
   * nothing is in flight.
   */
  private mayStart(): boolean {
    const lease = this.lease
    if (lease === undefined) return true
    const work = this.queue.length > 0 || this.held !== undefined
    if (lease.yielding) {
      if (this.running.size === 0) {
        void lease.release().then(() => {
          if (this.queue.length > 0 || this.held !== undefined) lease.request()
        })
      }
      return false
    }
    if (lease.epoch === undefined) {
      if (work) lease.request()
      return false
    }
    return true
  }

  /** Starts flushes while there is room and work that may overlap what is running. */
  private kick(): void {
    while (this.running.size < this.depth && this.mayStart()) {
      // Overlap pays only for a backlog: a few queued statements wait for the running flush and
      // go together in the next one, which costs one round trip instead of four.
      if (this.running.size > 0 && this.held === undefined && this.queued < PIPELINE_BACKLOG) return
      const next = this.held ?? this.prepareNext()
      if (next === undefined) return
      if ([...this.running.values()].some((ids) => dependsOn(next.ids, ids))) {
        this.held = next
        return
      }
      this.held = undefined
      const done: Promise<void> = this.flush(next).finally(() => {
        this.running.delete(done)
        this.kick()
      })
      this.running.set(done, next.ids)
    }
  }

  /** Takes whole requests from the queue up to the flush size and prepares them. */
  private prepareNext(): Flush | undefined {
    while (this.queue.length > 0) {
      let count = 0
      let end = 0
      while (end < this.queue.length) {
        const size = this.queue[end]!.request.statements.length
        if (end > 0 && count + size > MAX_FLUSH_STATEMENTS) break
        count += size
        end++
      }
      let batch = this.queue.slice(0, end)
      this.queue = this.queue.slice(end)
      this.queued -= count
      try {
        const { rows, deferred } = prepareRows(batch, this.nextStored())
        if (deferred.length > 0) {
          this.queue.unshift(...deferred)
          for (const pending of deferred) this.queued += pending.request.statements.length
          batch = batch.filter((pending) => !deferred.includes(pending))
        }
        return { batch, rows, ids: flushIds(rows) }
      } catch (error) {
        for (const pending of batch) pending.reject(error)
      }
    }
    return undefined
  }

  /** Stored timestamps never go backwards, so `stored` order matches `seq` order. */
  private nextStored(): string {
    this.lastStoredMs = Math.max(Date.now(), this.lastStoredMs)
    return new Date(this.lastStoredMs).toISOString()
  }

  private async flush({ batch, rows }: Flush): Promise<void> {
    let outcome: Map<Pending, HubError>
    const repeats = new Set<string>()
    try {
      outcome = await this.store(rows, repeats)
    } catch (error) {
      const wrapped = storeFailed(error)
      this.stats.flushesFailed++
      for (const pending of batch) pending.reject(wrapped)
      return
    }

    const ids = new Map<Pending, string[]>()
    for (const row of rows) {
      const list = ids.get(row.owner) ?? []
      list.push(row.id)
      ids.set(row.owner, list)
    }
    for (const pending of batch) {
      const error = outcome.get(pending)
      if (error !== undefined) {
        pending.reject(error)
        continue
      }
      const own = ids.get(pending) ?? []
      pending.resolve({ ids: own, alreadyStored: own.filter((id) => repeats.has(id)).length })
    }
  }

  /**
   * Writes the flush. When some ids are already stored, nothing was written: each such request is
   * settled (equal statement: no-op; different: 409) and the rest is written again.
   */
  private async store(rows: Row[], repeats: Set<string>): Promise<Map<Pending, HubError>> {
    const outcome = new Map<Pending, HubError>()
    try {
      await storeAttachments(this.db, attachmentsOf(rows))
      await learnActivities(
        this.db,
        rows.map((r) => r.body),
        this.known,
      )
    } catch (error) {
      this.known.clear()
      throw error
    }

    let pending = rows
    let leaseLosses = 0
    for (let attempt = 1; pending.length > 0; attempt++) {
      // A later attempt is a new ticket, after any flush that started meanwhile: it takes a new
      // stored time so that `stored` keeps growing with `seq`.
      if (attempt > 1) {
        const stored = this.nextStored()
        for (const row of pending) row.body.stored = stored
      }
      let result: InsertOutcome
      try {
        result = await this.ticket(pending)
      } catch (error) {
        // The lease went with its connection: nothing of this attempt was written. Wait for the
        // lease to be taken again and write it then, as a new ticket.
        if (
          pgErrorCode(error) === PG_ERROR.writerLeaseLost &&
          ++leaseLosses < StatementWriter.LEASE_RETRIES
        ) {
          await new Promise<void>((resolve, reject) => {
            this.leaseWaiters.push({ resolve, reject })
            this.lease?.request()
          })
          continue
        }
        // Another hub stored one of these ids between our snapshot and our insert: nothing was
        // written, so simply look again.
        if (
          pgErrorCode(error) === PG_ERROR.uniqueViolation &&
          attempt < StatementWriter.RACE_RETRIES
        )
          continue
        throw error
      }
      if (result.existing.size === 0) break
      for (const row of pending) {
        const body = result.existing.get(row.id)
        if (body === undefined) continue
        if (sameStatement(JSON.parse(body) as JsonObject, row.sent)) repeats.add(row.id)
        else if (!outcome.has(row.owner)) outcome.set(row.owner, conflict(row.id))
      }
      pending = pending.filter((row) => !outcome.has(row.owner) && !result.existing.has(row.id))
    }
    return outcome
  }

  /**
   * One write attempt, ordered against the others as the class comment describes. With nothing
   * else in flight it goes solo: one autocommit statement whose seqs come from the identity as it
   * runs, and the next ticket reserves only after it has finished. Otherwise it reserves its seqs
   * and inserts in a transaction that commits after the previous ticket.
   */
  private ticket(rows: readonly Row[]): Promise<InsertOutcome> {
    const previousReserved = this.reservedTail
    const previousCommitted = this.committedTail
    // Read now, not when the SQL runs: a flush must prove the lease it started under.
    const epoch = this.lease === undefined ? null : this.lease.epoch
    if (epoch === undefined) return Promise.reject(leaseLost())
    const solo = this.unsettledTickets === 0
    this.unsettledTickets++
    this.tickets[solo ? 'solo' : 'overlapped']++
    let attempt: Promise<InsertOutcome>
    if (solo) {
      attempt = insertRows(this.db, toInsertRows(rows, []), epoch)
      this.reservedTail = attempt.then(
        () => undefined,
        () => undefined,
      )
    } else {
      let reserved!: () => void
      this.reservedTail = new Promise((resolve) => (reserved = resolve))
      attempt = (async () => {
        let seqs: string[]
        try {
          await previousReserved
          seqs = await allocateSeqs(this.db, rows.length)
        } finally {
          reserved()
        }
        const insert = toInsertRows(rows, seqs)
        return this.db.transaction(async (tx) => {
          const result = await insertRows(tx, insert, epoch)
          await previousCommitted
          return result
        })
      })()
    }
    this.committedTail = attempt.then(
      (result) => {
        this.unsettledTickets--
        this.stats.flushesCommitted++
        if (result.inserted.size > 0) {
          this.stats.statementsStored += result.inserted.size
          this.consistentThrough = String(rows[0]!.body.stored)
          this.onCommitted?.(result.inserted.size)
        }
      },
      (error: unknown) => {
        this.unsettledTickets--
        // Another process holds the lease although this one thought it did (its lease
        // connection died unnoticed): give up that connection and queue for the lease again.
        if (pgErrorCode(error) === PG_ERROR.writerLeaseLost && epoch !== null)
          this.lease?.invalidate(epoch)
      },
    )
    return attempt
  }
}

/** The error a flush meets when its process does not hold the writer lease (see hub_writer_check). */
function leaseLost(): Error {
  return Object.assign(new Error('this hub process does not hold the writer lease'), {
    code: PG_ERROR.writerLeaseLost,
  })
}

/** What the clients of a flush that could not be written are told: the store failed, retry. */
function storeFailed(cause: unknown): HubError {
  return new HubError('unavailable', 'the statements could not be stored; retry', { cause })
}
