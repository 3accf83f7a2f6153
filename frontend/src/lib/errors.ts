// Words for what went wrong with a call, in the user's language: the same text for the same
// refusal on every screen of every role's app.

import { ApiError } from './api';
import { t } from './i18n';

/** Words for an API error, in the user's language. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network') return t('error.network');
    const key = `error.${err.code}`;
    const text = t(key, { message: err.message });
    return text === key ? t('error.generic', { message: err.message }) : text;
  }
  return t('error.generic', { message: String(err) });
}
