import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Outbox, type PendingAnswer, RejectedAnswer, type SendOutcome } from '../src/volunteer/outbox';

class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

let n = 0;
const keys = () => `key-${++n}`;
const body = { nothing_here: true, duration_ms: 1 };

beforeEach(() => {
  vi.useFakeTimers();
  n = 0;
});
afterEach(() => vi.useRealTimers());

describe('Outbox', () => {
  it('sends an answer once and resolves with the receipt', async () => {
    const send = vi.fn(async (): Promise<SendOutcome> => ({ status: 201, body: { answer_id: 'a' } }));
    const storage = new MemoryStorage();
    const box = new Outbox(send, storage, 'ob', keys);
    await expect(box.submit(7, body)).resolves.toEqual({ answer_id: 'a' });
    expect(send).toHaveBeenCalledTimes(1);
    expect(box.state.pending).toBe(0);
    expect(JSON.parse(storage.getItem('ob')!)).toEqual([]);
  });

  it('retries after a network error with the same idempotency key', async () => {
    const seen: string[] = [];
    let fail = 2;
    const send = vi.fn(async (item: PendingAnswer): Promise<SendOutcome> => {
      seen.push(item.key);
      if (fail-- > 0) throw new TypeError('Failed to fetch');
      return { status: 201, body: {} };
    });
    const box = new Outbox(send, new MemoryStorage(), 'ob', keys);
    const states: boolean[] = [];
    box.onState((s) => states.push(s.offline));
    const done = box.submit(1, body);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.state).toMatchObject({ pending: 1, offline: true });
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(2000);
    await done;
    expect(seen).toEqual(['key-1', 'key-1', 'key-1']);
    expect(box.state).toMatchObject({ pending: 0, offline: false });
    expect(states).toContain(true);
  });

  it('retries server faults but not refusals', async () => {
    const statuses = [503, 409];
    const send = vi.fn(async (): Promise<SendOutcome> => ({
      status: statuses.shift()!,
      body: { error: { code: 'already_answered', message: 'answered' } },
    }));
    const box = new Outbox(send, new MemoryStorage(), 'ob', keys);
    const done = box.submit(1, body);
    const check = expect(done).rejects.toBeInstanceOf(RejectedAnswer);
    await vi.advanceTimersByTimeAsync(1000);
    await check;
    await expect(done).rejects.toMatchObject({ status: 409, code: 'already_answered' });
    expect(send).toHaveBeenCalledTimes(2);
    expect(box.state.pending).toBe(0);
  });

  it('keeps answers across a reload and sends them in order', async () => {
    const storage = new MemoryStorage();
    const offline = new Outbox(async () => Promise.reject(new Error('offline')), storage, 'ob', keys);
    void offline.submit(1, body);
    void offline.submit(2, body);
    await vi.advanceTimersByTimeAsync(0);
    expect(offline.taskIds).toEqual(new Set([1, 2]));

    const order: number[] = [];
    const reloaded = new Outbox(
      async (item) => {
        order.push(item.taskId);
        return { status: 201, body: {} };
      },
      storage,
      'ob',
      keys,
    );
    expect(reloaded.state.pending).toBe(2);
    await reloaded.flush();
    expect(order).toEqual([1, 2]);
    expect(reloaded.state.pending).toBe(0);
    // Delivered, the tasks are no longer on their way, but the page still must not show them:
    // a task fetched before its answer arrived comes back as the volunteer's own lease.
    expect(reloaded.taskIds).toEqual(new Set());
    expect(reloaded.answeredTaskIds).toEqual(new Set([1, 2]));
  });

  it('stops telling a listener that unsubscribed', async () => {
    const box = new Outbox(async () => ({ status: 201, body: {} }), new MemoryStorage(), 'ob', keys);
    const seen: number[] = [];
    const stop = box.onState((s) => seen.push(s.pending));
    await box.submit(1, body);
    const heard = seen.length;
    expect(heard).toBeGreaterThan(0);
    stop();
    await box.submit(2, body);
    expect(seen).toHaveLength(heard);
  });

  it('treats a damaged store as empty', () => {
    const storage = new MemoryStorage();
    storage.setItem('ob', '{not json');
    expect(new Outbox(async () => ({ status: 201, body: {} }), storage, 'ob', keys).state.pending).toBe(0);
  });
});
