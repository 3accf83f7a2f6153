import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError, request, setUnauthorizedHandler, uploadAnswer } from '../src/lib/api';
import { Outbox, type PendingAnswer } from '../src/volunteer/outbox';

/** Replaces fetch with one answering `status` and `body`; returns the mock to inspect calls. */
function replyWith(status: number, body: unknown) {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(() => {});
});

describe('the answer upload', () => {
  it('sends the same headers as every call, with the idempotency key in the body', async () => {
    const fetchMock = replyWith(201, { answer_id: 'a' });
    const reply = await uploadAnswer(7, { idempotency_key: 'k-1', nothing_here: true, duration_ms: 5 }, 'tok');
    expect(reply).toMatchObject({ status: 201, body: { answer_id: 'a' } });
    expect(fetchMock).toHaveBeenCalledWith('/api/v1/tasks/7/answers', {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: 'Bearer tok' },
      body: JSON.stringify({ idempotency_key: 'k-1', nothing_here: true, duration_ms: 5 }),
    });
  });

  it('hands a refusal back to the outbox, which gives it up', async () => {
    replyWith(409, { error: { code: 'already_answered', message: 'answered' } });
    const send = (item: PendingAnswer) => uploadAnswer(item.taskId, { idempotency_key: item.key, ...item.body }, 'tok');
    const box = new Outbox(send, localStorage, 'test.outbox');
    await expect(box.submit(1, { nothing_here: true, duration_ms: 1 })).rejects.toMatchObject({ status: 409, code: 'already_answered' });
    expect(box.state.pending).toBe(0);
  });

  it('ends the session on a 401, like every other call', async () => {
    replyWith(401, { error: { code: 'invalid_token', message: 'expired' } });
    const expired = vi.fn();
    setUnauthorizedHandler(expired);
    expect((await uploadAnswer(1, { idempotency_key: 'k', duration_ms: 1 }, 'tok')).status).toBe(401);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('throws a network error when there is no reply, so the outbox retries', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(uploadAnswer(1, { idempotency_key: 'k', duration_ms: 1 }, 'tok')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});

describe('request', () => {
  it('throws the refusal with its code and message', async () => {
    replyWith(404, { error: { code: 'not_found', message: 'no such campaign' } });
    const err = await request('GET', '/campaigns/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 'not_found', message: 'no such campaign' });
  });

  it('leaves the session alone on a 401 to a call made without a token', async () => {
    replyWith(401, { error: { code: 'invalid_credentials', message: 'wrong password' } });
    const expired = vi.fn();
    setUnauthorizedHandler(expired);
    await expect(request('POST', '/auth/login', { handle: 'a', password: 'b' })).rejects.toMatchObject({ status: 401 });
    expect(expired).not.toHaveBeenCalled();
  });
});
