import type { PageContent, PageField, PageForm } from './link-pages.ts';

/**
 * What the identity pages say: each form, and each result with the step that follows it. Pure content
 * (link-pages.ts renders it); the routes pick one by outcome. Paths are absolute, under `auth.prefix`.
 */

export interface AccountPaths {
  login: string;
  logout: string;
  mfaVerify: string;
  forgot: string;
}

export function accountPaths(prefix: string): AccountPaths {
  const base = prefix.replace(/\/+$/, '');
  return {
    login: `${base}/login`,
    logout: `${base}/logout`,
    mfaVerify: `${base}/mfa/verify`,
    forgot: `${base}/password/forgot`,
  };
}

/**
 * Where a page may send the browser on: a path on this origin only (`/invitations/accept?token=…`), never
 * another host (`//evil.test`, `/\evil.test`) — anything else is dropped, so a crafted link is no open
 * redirect.
 */
export function safeContinue(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  if (!/^\/(?![/\\])/.test(value)) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  return value;
}

const PASSWORD_FIELD: PageField = {
  name: 'password',
  label: 'Password',
  type: 'password',
  autocomplete: 'current-password',
  required: true,
};

export function loginLink(paths: AccountPaths, continueTo?: string) {
  const query = continueTo === undefined ? '' : `?continue=${encodeURIComponent(continueTo)}`;
  return { href: `${paths.login}${query}`, label: 'Log in' };
}

export function loginPage(
  paths: AccountPaths,
  options: { email?: string; continueTo?: string },
): PageContent {
  return {
    title: 'Log in',
    forms: [
      {
        action: paths.login,
        hidden: options.continueTo === undefined ? {} : { continue: options.continueTo },
        fields: [
          {
            name: 'email',
            label: 'Email address',
            type: 'email',
            autocomplete: 'username',
            value: options.email,
            required: true,
          },
          PASSWORD_FIELD,
        ],
        submit: 'Log in',
      },
    ],
    links: [{ href: paths.forgot, label: 'Forgot your password?' }],
  };
}

export function mfaPage(paths: AccountPaths, mfaToken: string, continueTo?: string): PageContent {
  const hidden: Record<string, string> = { mfa_token: mfaToken };
  if (continueTo !== undefined) hidden.continue = continueTo;
  return {
    title: 'Enter your authenticator code',
    paragraphs: [
      'Your account uses two-factor authentication. Enter the code your app shows, or a recovery code.',
    ],
    forms: [
      {
        action: paths.mfaVerify,
        hidden,
        fields: [
          { name: 'code', label: 'Authenticator code', type: 'text', autocomplete: 'one-time-code' },
          { name: 'recovery_code', label: 'Or a recovery code', type: 'text', autocomplete: 'off' },
        ],
        submit: 'Continue',
      },
    ],
  };
}

export function signedInPage(
  paths: AccountPaths,
  appName: string,
  email: string,
  continueTo?: string,
): PageContent {
  return {
    title: 'You are signed in',
    paragraphs: [
      `Signed in to ${appName} as ${email}.`,
      continueTo === undefined
        ? `This browser now holds your session: go back to ${appName}, or close this page.`
        : 'Continue where you left off.',
    ],
    links: continueTo === undefined ? [] : [{ href: continueTo, label: 'Continue' }],
    forms: [{ action: paths.logout, submit: 'Log out' }],
  };
}

export function signedOutPage(paths: AccountPaths): PageContent {
  return { title: 'You are signed out', links: [loginLink(paths)] };
}

export function verifyPage(action: string, token: string): PageContent {
  return {
    title: 'Confirm your email address',
    forms: [{ action, hidden: { token }, submit: 'Confirm' }],
  };
}

/** The password form of a set-password or reset link; a first password needs no second factor yet. */
export function passwordForm(action: string, token: string, firstPassword: boolean): PageForm {
  const password: PageField = {
    name: 'new_password',
    label: firstPassword ? 'Password' : 'New password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
  };
  const code: PageField = {
    name: 'code',
    label: 'Authenticator code (only if you use two-factor)',
    type: 'text',
    autocomplete: 'one-time-code',
  };
  return {
    action,
    hidden: { token },
    fields: firstPassword ? [password] : [password, code],
    submit: 'Set password',
  };
}

/** The set-password link (a new account) and the reset link open the same form; only the words differ. */
export function passwordFormPage(
  action: string,
  token: string,
  options: { appName: string; firstPassword: boolean; minLength: number },
): PageContent {
  return {
    title: options.firstPassword ? `Welcome to ${options.appName}` : 'Choose a new password',
    paragraphs: options.firstPassword
      ? [
          `Choose a password for your account: at least ${options.minLength} characters; a few unrelated words work well.`,
        ]
      : [],
    forms: [passwordForm(action, token, options.firstPassword)],
  };
}

export function passwordSetPage(paths: AccountPaths): PageContent {
  return {
    title: 'Your password is set',
    paragraphs: [
      'Next, log in with your email address and the new password.',
      'Any session that was open before has ended.',
    ],
    links: [loginLink(paths)],
  };
}

export function forgotPage(paths: AccountPaths): PageContent {
  return {
    title: 'Reset your password',
    paragraphs: ['Enter the address of your account; we mail you a link to choose a new password.'],
    forms: [
      {
        action: paths.forgot,
        fields: [
          { name: 'email', label: 'Email address', type: 'email', autocomplete: 'username', required: true },
        ],
        submit: 'Send the link',
      },
    ],
  };
}

/** The same words whether or not the address has an account. */
export function forgotSentPage(paths: AccountPaths): PageContent {
  return {
    title: 'Check your inbox',
    paragraphs: [
      'If an account uses this address, a link to choose a new password is on its way. It works once and expires soon.',
    ],
    links: [loginLink(paths)],
  };
}
