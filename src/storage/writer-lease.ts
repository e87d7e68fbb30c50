import type { Db, Session } from './db.js'

/**
 * The writer lease: which hub process may write statements to a PostgreSQL server right now.
 *
 * Within one process the writer keeps commit order equal to `seq` order (statement-writer.ts),
 * which keyset paging and the projectors' cursors rely on: a reader that has seen seq N must
 * never later find a statement below N. Two processes writing at once would break it, one
 * committing seq 200 while the other's seq 100 is still in flight. So one process at a time
 * holds the lease, a session advisory lock on a connection of its own, and only the holder's
 * flushes reserve seqs and commit. Processes take turns:
 *
 * - the holder keeps the lease while nobody else asks, so a single hub takes it once and pays
 *   nothing per flush beyond one check (below);
 * - a process with statements to write waits for the lock; the holder sees the waiter (it looks
 *   at pg_locks every POLL_MS), and once it has held the lease for SLICE_MS it stops starting
 *   flushes, lets its flushes in flight commit, and releases. PostgreSQL grants the lock to the
 *   waiter, and the former holder queues again if it has work.
 *
 * A lease can also be lost without being released: the server drops the lease connection while
 * the process's flushes carry on over the pool. So every flush proves it is still the holder's,
 * inside its own SQL (hub_writer_check, migration 0016): it takes the in-flight lock in shared
 * mode and compares the lease epoch. A new holder bumps the epoch and then takes the in-flight
 * lock exclusively once, which waits for every flush that had already passed its check. A flush
 * either passed before the new holder's barrier (and the holder waits for its commit) or runs
 * after it (and sees the new epoch, fails with HW001, and is retried by its writer once the
 * lease is back). Either way no two processes' flushes are ever in flight together.
 */

/** Session advisory lock held by the lease holder. */
const LEASE_LOCK = 7_351_025_101
/** Taken in shared mode by every flush (hub_writer_check) and exclusively by a new holder. */
const IN_FLIGHT_LOCK = 7_351_025_102
/** How often the holder looks for a process waiting for the lease. */
const POLL_MS = 25
/** Attempts in a row to take the lease before queued writes fail as the server being down. */
const ACQUIRE_ATTEMPTS = 5
/** The shortest hold before giving way, so that turns are not all drain and no writing. */
const SLICE_MS = 50

type State = 'idle' | 'acquiring' | 'held' | 'yielding'

export interface LeaseEvents {
  /** The lease is held: flushes may start. */
  onHeld(): void
  /** Another process waits: start no more flushes, and call `release` once none is in flight. */
  onYield(): void
  /** Taking the lease failed (the server is unreachable); another attempt follows shortly. */
  onUnavailable(error: unknown): void
}

export class WriterLease {
  private state: State = 'idle'
  private session: Session | undefined
  private epochValue: string | undefined
  private heldSince = 0
  private poll: NodeJS.Timeout | undefined
  private closed = false
  /** Failed attempts to take the lease in a row. */
  private failures = 0
  /** Turns taken so far (seen by tests and diagnostics). */
  acquisitions = 0

  constructor(
    private readonly db: Db & Required<Pick<Db, 'openSession'>>,
    private readonly events: LeaseEvents,
  ) {}

  /**
   * The epoch flushes pass to hub_writer_check while the lease is held, including while giving
   * way: flushes already started finish under it before the lease is released.
   */
  get epoch(): string | undefined {
    return this.state === 'held' || this.state === 'yielding' ? this.epochValue : undefined
  }

  get yielding(): boolean {
    return this.state === 'yielding'
  }

  /** Starts taking the lease unless it is held or being taken; `onHeld` follows. */
  request(): void {
    if (this.state !== 'idle' || this.closed) return
    this.state = 'acquiring'
    this.acquire().then(
      () => {
        this.failures = 0
        this.events.onHeld()
      },
      (error: unknown) => {
        // The lease connection failed or could not be opened. Once may be a dropped connection
        // (try again at once on a new one); several in a row mean the server is unreachable, and
        // the writer fails what is queued (clients retry) until the next write asks again.
        this.dropSession()
        this.state = 'idle'
        if (this.closed) return
        if (++this.failures < ACQUIRE_ATTEMPTS) {
          setTimeout(() => this.request(), 50 * this.failures).unref()
          return
        }
        this.failures = 0
        this.events.onUnavailable(error)
      },
    )
  }

  /** Gives the lease up after `onYield`, once the process has nothing in flight. */
  async release(): Promise<void> {
    if (this.state !== 'yielding') return
    this.stopPolling()
    this.epochValue = undefined
    this.state = 'idle'
    try {
      await this.session?.query('SELECT pg_advisory_unlock($1)', [LEASE_LOCK])
    } catch {
      // The session failed: the server released its locks with it.
      this.dropSession()
    }
  }

  /**
   * A flush found the lease taken by another process under `epoch`: the lease connection died
   * without this process hearing of it (a half-open connection). Drop it and queue again.
   */
  invalidate(epoch: string): void {
    const session = this.session
    if (session === undefined || this.epochValue !== epoch) return
    this.lost(session)
    void session.close()
  }

  async close(): Promise<void> {
    this.closed = true
    this.stopPolling()
    this.state = 'idle'
    this.epochValue = undefined
    const session = this.session
    this.session = undefined
    await session?.close()
  }

  private async acquire(): Promise<void> {
    if (this.session === undefined) {
      const session = await this.db.openSession()
      session.onLost(() => this.lost(session))
      this.session = session
    }
    const session = this.session
    await session.query('SELECT pg_advisory_lock($1)', [LEASE_LOCK])
    const { rows } = await session.query<{ epoch: string }>(
      'UPDATE hub_writer_lease SET epoch = epoch + 1 RETURNING epoch',
    )
    // The barrier: every flush that passed hub_writer_check under an earlier epoch holds the
    // in-flight lock shared until it commits; taking it exclusively waits for all of them.
    await session.query('SELECT pg_advisory_lock($1)', [IN_FLIGHT_LOCK])
    await session.query('SELECT pg_advisory_unlock($1)', [IN_FLIGHT_LOCK])
    if (this.closed) throw new Error('closed')
    this.epochValue = rows[0]!.epoch
    this.heldSince = Date.now()
    this.state = 'held'
    this.acquisitions++
    this.startPolling(session)
  }

  private startPolling(session: Session): void {
    const hi = Math.floor(LEASE_LOCK / 2 ** 32)
    const lo = LEASE_LOCK % 2 ** 32
    const tick = async () => {
      if (this.state !== 'held' || this.session !== session) return
      try {
        const { rows } = await session.query<{ waiting: boolean }>(
          `SELECT EXISTS (
             SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
             WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()
               AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1) AS waiting`,
          [hi, lo],
        )
        if (rows[0]?.waiting === true && this.state === 'held') {
          const wait = SLICE_MS - (Date.now() - this.heldSince)
          if (wait <= 0) this.giveWay()
          else this.poll = setTimeout(() => this.giveWay(), wait).unref()
          return
        }
      } catch {
        // A failed session reports itself through onLost, which ends this loop; any other
        // error (a statement timeout, say) must not stop the holder from ever giving way.
      }
      if (this.state === 'held') this.poll = setTimeout(() => void tick(), POLL_MS).unref()
    }
    this.poll = setTimeout(() => void tick(), POLL_MS).unref()
  }

  private giveWay(): void {
    if (this.state !== 'held') return
    this.state = 'yielding'
    this.events.onYield()
  }

  private stopPolling(): void {
    if (this.poll !== undefined) clearTimeout(this.poll)
    this.poll = undefined
  }

  /**
   * The lease connection failed: the server has released the lease. Flushes already past their
   * check may still commit (the next holder waits for them); later ones fail with HW001 and are
   * retried once the lease is taken again on a new connection.
   */
  private lost(session: Session): void {
    if (this.session !== session) return
    this.session = undefined
    this.stopPolling()
    this.epochValue = undefined
    if (this.state === 'held' || this.state === 'yielding') {
      this.state = 'idle'
      this.request()
    }
  }

  private dropSession(): void {
    const session = this.session
    this.session = undefined
    void session?.close()
  }
}
