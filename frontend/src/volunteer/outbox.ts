// Answers on their way to the server. Each answer gets its idempotency key once, is kept in
// localStorage until the server acknowledges it, and is retried with the same key after a
// network error or a 5xx: a dropped connection, a reload or a closed laptop lose nothing and
// never store an answer twice.

import type { AnswerBody } from './marks';

export interface PendingAnswer {
  key: string;
  taskId: number;
  body: AnswerBody;
  queuedAt: number;
}

/** What the server said: its status and JSON body. A thrown error means no answer at all. */
export interface SendOutcome {
  status: number;
  body: unknown;
}

export interface OutboxState {
  /** Answers not yet acknowledged. */
  pending: number;
  /** A send is in flight or waiting to be retried. */
  saving: boolean;
  /** The last attempt failed for lack of a connection (or a server fault). */
  offline: boolean;
}

type Settle = { resolve: (receipt: unknown) => void; reject: (err: RejectedAnswer) => void };

/** The server refused an answer for good (a 4xx): retrying would not change that. */
export class RejectedAnswer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const RETRY_MS = [1000, 2000, 4000, 8000, 15000];

export class Outbox {
  private queue: PendingAnswer[];
  private settles = new Map<string, Settle>();
  private listeners: ((s: OutboxState) => void)[] = [];
  private sending = false;
  /** Tasks whose answer this page delivered (or had refused): never shown again here. */
  private delivered = new Set<number>();
  private offline = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (item: PendingAnswer) => Promise<SendOutcome>,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly storageKey = 'tessera.outbox',
    private readonly newKey: () => string = () => crypto.randomUUID(),
  ) {
    this.queue = this.load();
  }

  get state(): OutboxState {
    return {
      pending: this.queue.length,
      saving: this.queue.length > 0,
      offline: this.offline,
    };
  }

  /** Task ids with an answer still on its way. */
  get taskIds(): Set<number> {
    return new Set(this.queue.map((p) => p.taskId));
  }

  /**
   * Task ids this page must not show again: answers on their way, and answers it delivered.
   * A task fetched before its answer arrived (the page's early request on a reload races the
   * queued answer) comes back from the server as the volunteer's own lease.
   */
  get answeredTaskIds(): Set<number> {
    return new Set([...this.delivered, ...this.queue.map((p) => p.taskId)]);
  }

  /** Calls `fn` on every change; returns a function that stops it. */
  onState(fn: (s: OutboxState) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Queues an answer; resolves with the server's receipt once it is stored. */
  submit(taskId: number, body: AnswerBody): Promise<unknown> {
    const item: PendingAnswer = { key: this.newKey(), taskId, body, queuedAt: Date.now() };
    this.queue.push(item);
    this.save();
    const done = new Promise<unknown>((resolve, reject) => {
      this.settles.set(item.key, { resolve, reject });
    });
    this.emit();
    void this.flush();
    return done;
  }

  /** Sends what is queued, oldest first, now (e.g. when the browser is back online). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const item = this.queue[0];
        let outcome: SendOutcome;
        try {
          outcome = await this.send(item);
        } catch {
          this.retryLater();
          return;
        }
        if (outcome.status >= 500 || outcome.status === 408 || outcome.status === 429) {
          this.retryLater();
          return;
        }
        this.offline = false;
        this.attempt = 0;
        this.queue.shift();
        this.delivered.add(item.taskId);
        this.save();
        const settle = this.settles.get(item.key);
        this.settles.delete(item.key);
        if (outcome.status >= 200 && outcome.status < 300) {
          settle?.resolve(outcome.body);
        } else {
          const err = (outcome.body as { error?: { code?: string; message?: string } })?.error;
          settle?.reject(
            new RejectedAnswer(outcome.status, err?.code ?? 'rejected', err?.message ?? ''),
          );
        }
        this.emit();
      }
    } finally {
      this.sending = false;
    }
  }

  private retryLater(): void {
    this.offline = true;
    const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
    this.attempt += 1;
    this.sending = false;
    this.emit();
    this.timer = setTimeout(() => void this.flush(), delay);
  }

  private load(): PendingAnswer[] {
    try {
      const raw = this.storage.getItem(this.storageKey);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? (parsed as PendingAnswer[]) : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    this.storage.setItem(this.storageKey, JSON.stringify(this.queue));
  }

  private emit(): void {
    const s = this.state;
    for (const fn of this.listeners) fn(s);
  }
}
