// The client of the JSON API under /api/v1, shared by every role's app: the signed-in session,
// one way of sending a call (the same headers, errors and handling of an expired token for all),
// and the request and response bodies, typed from the server's OpenAPI document.

import type { components } from './api-types';

/** The API's JSON bodies, generated from the server's OpenAPI document (see api-types.ts). */
type Schemas = components['schemas'];

export type User = Schemas['UserView'];
export type Campaign = Schemas['CampaignView'];
export type CampaignList = Schemas['CampaignList'];
export type Task = Schemas['TaskView'];
export type NextTask = Schemas['NextTaskResponse'];
export type GoldFeedback = Schemas['GoldFeedback'];
export type AnswerRequest = Schemas['SubmitAnswerRequest'];
export type Receipt = Schemas['AnswerReceiptView'];
export type Tutorial = Schemas['Tutorial'];
export type Progress = Schemas['CampaignProgress'];
export type MyStats = Schemas['MyStats'];

/** A signed-in user as the app keeps it (in localStorage, across reloads). */
export interface Session {
  token: string;
  expiresAt: number;
  user: User;
}

/** A refusal from the API, with its `{"error": {code, message}}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SESSION_KEY = 'tessera.session';
/** Read by the boot script in index.html before the app loads. */
const TOKEN_KEY = 'tessera.token';

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    if (s && s.expiresAt * 1000 > Date.now() + 60_000) return s;
  } catch {
    /* a damaged entry is the same as none */
  }
  return null;
}

export function saveSession(s: Session | null): void {
  if (s) {
    localStorage.setItem(SESSION_KEY, JSON.stringify(s));
    localStorage.setItem(TOKEN_KEY, s.token);
  } else {
    localStorage.removeItem(SESSION_KEY);
    localStorage.removeItem(TOKEN_KEY);
  }
}

let onUnauthorized: () => void = () => {};

/** What to do when the server says the token is no longer good. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** Tells the unauthorized handler that a call made outside `exchange` got a 401. */
export function tokenRefused(): void {
  onUnauthorized();
}

/** What the server answered: its status and JSON body (null when it sent none). */
export interface Reply {
  status: number;
  statusText: string;
  body: unknown;
}

/**
 * Sends one call and returns the reply whatever its status; throws an `ApiError` with status 0
 * when there is no reply at all. A 401 to a call made with a token also tells the unauthorized
 * handler, so an expired session ends the same way wherever it is noticed.
 */
export async function exchange(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'no connection');
  }
  const data: unknown = await res.json().catch(() => null);
  if (res.status === 401 && token) onUnauthorized();
  return { status: res.status, statusText: res.statusText, body: data };
}

/** Sends one call; resolves with the body of a 2xx reply, else throws an `ApiError`. */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
): Promise<T> {
  const res = await exchange(method, path, body, token);
  if (res.status < 200 || res.status >= 300) {
    const err = (res.body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return res.body as T;
}

/**
 * Ends this session on the server, so the token is refused from now on even if it was copied.
 * Best effort: signing out in the browser never waits for it or fails because of it.
 */
export function signOutOnServer(token: string): void {
  void fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
}

/**
 * Sends one answer. The reply comes back whatever its status, for the caller to decide between
 * retrying (no reply, a server fault) and giving up (a refusal); the idempotency key in the body
 * makes a retry safe.
 */
export function uploadAnswer(taskId: number, answer: AnswerRequest, token: string): Promise<Reply> {
  return exchange('POST', `/tasks/${taskId}/answers`, answer, token);
}

export async function signIn(action: 'login' | 'register', handle: string, password: string): Promise<Session> {
  const credentials: Schemas['LoginRequest'] & Schemas['RegisterRequest'] = { handle, password };
  const r = await request<Schemas['TokenResponse']>('POST', `/auth/${action}`, credentials);
  return { token: r.token, expiresAt: r.expires_at, user: r.user };
}
