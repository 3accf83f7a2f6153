// The JSON API under /api/v1, with the volunteer's token.

export interface User {
  id: string;
  handle: string;
  role: string;
}

export interface Session {
  token: string;
  expiresAt: number;
  user: User;
}

export interface Campaign {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: string;
  settings: { damage_classes: string[]; max_leases: number };
}

export interface Task {
  id: number;
  campaign_id: string;
  kind: string;
  width: number;
  height: number;
  tile_url: string | null;
  before_tile_url: string | null;
  footprint: [number, number][] | null;
  lease_expires_at: number;
  damage_classes: string[];
}

export interface NextTask {
  task: Task | null;
  resumed: boolean;
  reason: string | null;
  message: string | null;
}

export interface GoldFeedback {
  found: number;
  known: number;
  extra: number;
  score: number;
  message: string;
}

export interface Receipt {
  answer_id: string;
  task_id: number;
  kind: string;
  marks: number;
  task_retired: boolean;
  feedback: GoldFeedback | null;
  replayed: boolean;
}

export interface Tutorial {
  classes: {
    class: string;
    example: {
      tile_url: string;
      before_tile_url: string | null;
      width: number;
      height: number;
      x: number;
      y: number;
    } | null;
  }[];
  practice_tasks: number;
}

export interface Progress {
  tasks: number;
  tasks_done: number;
  answers: number;
}

export interface MyStats {
  answers: number;
  marks: number;
  gold_answered: number;
  gold_score: number | null;
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

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
): Promise<T> {
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
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401 && token) onUnauthorized();
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return data as T;
}

interface TokenResponse {
  token: string;
  expires_at: number;
  user: User;
}

export async function signIn(action: 'login' | 'register', handle: string, password: string): Promise<Session> {
  const r = await request<TokenResponse>('POST', `/auth/${action}`, { handle, password });
  return { token: r.token, expiresAt: r.expires_at, user: r.user };
}
