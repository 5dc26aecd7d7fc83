/**
 * The periodic writes of a process's replies in flight (docs/architecture.md §4): each interval,
 * one statement checkpoints every reply whose text moved since its last write, and one renews
 * the lease of every run this process holds. A process with 300 replies streaming makes two
 * writes a second instead of 300 (bench:capacity: the per-reply statements were a fifth of the
 * server's work, and the database's CPU grew with them).
 */
import type { Logger } from '../lib/logger.ts';
import type { RunQueue } from '../store/run-queue.ts';
import type { ReplySnapshot, Transcript } from '../store/transcript.ts';

interface Tracked {
  read: () => ReplySnapshot;
  writtenSeq: number;
}

/**
 * Checkpoints of replies in flight, written together once per interval.
 * @example const stop = checkpoints.track(messageId, () => emitter.snapshot); … stop();
 */
export class ReplyCheckpoints {
  readonly #replies = new Map<string, Tracked>();
  #timer: NodeJS.Timeout | undefined;
  #writing = false;

  constructor(
    private readonly transcript: Pick<Transcript, 'checkpointAgentMessages'>,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Checkpoints `messageId` from `read()` each interval until the returned function is called. */
  track(messageId: string, read: () => ReplySnapshot): () => void {
    this.#replies.set(messageId, { read, writtenSeq: 0 });
    this.#timer ??= setInterval(() => void this.#write(), this.intervalMs);
    return () => {
      this.#replies.delete(messageId);
      if (this.#replies.size === 0) this.#stop();
    };
  }

  /** Stops writing (the process is closing); replies still tracked get their final writes elsewhere. */
  close(): void {
    this.#replies.clear();
    this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #write(): Promise<void> {
    if (this.#writing) return; // the last batch is still being written: skip a beat
    const due = [...this.#replies].flatMap(([id, tracked]) => {
      const snapshot = tracked.read();
      return snapshot.seq === tracked.writtenSeq ? [] : [{ id, snapshot, tracked }];
    });
    if (due.length === 0) return;
    this.#writing = true;
    try {
      await this.transcript.checkpointAgentMessages(
        due.map(({ id, snapshot }) => ({ id, snapshot })),
      );
      for (const { snapshot, tracked } of due) tracked.writtenSeq = snapshot.seq;
    } catch (error) {
      this.log('warn', 'orchestrator.checkpoint_failed', { replies: due.length, error });
    } finally {
      this.#writing = false;
    }
  }
}

/**
 * The leases of the runs a process holds, renewed together every third of a lease. A run whose
 * lease another process took over (it expired and was recovered) is told to stop writing.
 * @example const release = leases.hold(run.id, () => controller.abort()); … release();
 */
export class RunLeases {
  readonly #held = new Map<string, () => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runs: Pick<RunQueue, 'renewLeases'>,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly log: Logger,
  ) {}

  /** Renews `runId`'s lease until the returned function is called; `lost()` when it was lost. */
  hold(runId: string, lost: () => void): () => void {
    this.#held.set(runId, lost);
    this.#timer ??= setInterval(() => void this.#renew(), this.leaseMs / 3);
    return () => {
      this.#held.delete(runId);
      if (this.#held.size === 0) this.close();
    };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    const ids = [...this.#held.keys()];
    try {
      const kept = new Set(await this.runs.renewLeases(ids, this.owner, this.leaseMs));
      for (const id of ids) if (!kept.has(id)) this.#held.get(id)?.();
    } catch (error) {
      this.log('warn', 'orchestrator.lease_renew_failed', { runs: ids.length, error });
    }
  }
}
