// Files fetched with the session's token: imagery tiles and chips as blob URLs, exports as
// downloads. An <img src> or <a href> cannot send an Authorization header, so the bytes come
// through fetch and the page points at a blob URL instead.

import { ApiError, tokenRefused } from '../lib/api';

/** Fetches `/api/v1{path}` with the token; resolves with the response of a 2xx reply. */
export async function fetchFile(path: string, token: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, 'network', 'no connection');
  }
  if (res.ok) return res;
  // An expired session ends the same way as for any other call.
  if (res.status === 401) tokenRefused();
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  throw new ApiError(res.status, body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? res.statusText);
}

/** A blob URL of the image at `path`; the caller revokes it. */
export async function blobUrl(path: string, token: string, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
  const res = await fetchFile(path, token);
  return URL.createObjectURL(await res.blob());
}

/** The file name a Content-Disposition header gives, if any. */
export function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = header.match(/filename\*\s*=\s*UTF-8''([^;]+)/i);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = header.match(/filename\s*=\s*"?([^";]+)"?/i);
  return plain ? plain[1].trim() : null;
}

/** Fetches `path` and saves it through the browser's downloads as `fallbackName`. */
export async function download(path: string, token: string, fallbackName: string): Promise<string> {
  const res = await fetchFile(path, token);
  const name = dispositionName(res.headers.get('Content-Disposition')) ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own copy once it starts.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
