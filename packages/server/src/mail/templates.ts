/** A rendered mail, before the recipient is added. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface VerifyEmailVars {
  link: string;
  appName: string;
}
export interface SignupAttemptExistingAccountVars {
  /** A password-reset link: the person already has an account and may have forgotten the password. */
  link: string;
  appName: string;
}
export interface PasswordResetVars {
  link: string;
  appName: string;
}
export interface PasswordChangedVars {
  appName: string;
  when: Date;
}
export interface LockoutVars {
  appName: string;
  /** Where to unlock or reset. */
  link: string;
}
export interface InvitationVars {
  link: string;
  appName: string;
  tenantName: string;
  inviter: string;
}

/** Every mail Lift sends. Override any of them with `createMailTemplates({ … })`. */
export interface MailTemplates {
  verifyEmail(vars: VerifyEmailVars): RenderedMail;
  signupAttemptExistingAccount(vars: SignupAttemptExistingAccountVars): RenderedMail;
  passwordReset(vars: PasswordResetVars): RenderedMail;
  passwordChanged(vars: PasswordChangedVars): RenderedMail;
  lockout(vars: LockoutVars): RenderedMail;
  invitation(vars: InvitationVars): RenderedMail;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** `2026-01-01 09:30 UTC`: unambiguous for every reader, whatever their time zone. */
function formatWhen(when: Date): string {
  return `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

interface MailParts {
  subject: string;
  /** Paragraphs before the link (plain text; escaped for HTML here). */
  before: string[];
  link?: { href: string; label: string };
  after: string[];
}

/**
 * Renders both parts from the same paragraphs so they never drift apart. The text part puts the link on a line
 * of its own, so mail clients make it clickable and tests can read it.
 */
function render(parts: MailParts): RenderedMail {
  const { subject, before, link, after } = parts;
  const text = [...before, ...(link ? [link.href] : []), ...after].join('\n\n');
  const paragraph = (content: string) => `<p>${escapeHtml(content)}</p>`;
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...before.map(paragraph),
    ...(link ? [`<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`] : []),
    ...after.map(paragraph),
    '</body></html>',
  ].join('\n');
  return { subject, text: `${text}\n`, html: `${html}\n` };
}

const IGNORE = 'If you did not ask for this, you can ignore this message.';

export const defaultMailTemplates: MailTemplates = {
  verifyEmail: ({ link, appName }) =>
    render({
      subject: `Confirm your email address for ${appName}`,
      before: [`Please confirm your email address for ${appName} by opening this link:`],
      link: { href: link, label: 'Confirm email address' },
      after: [IGNORE],
    }),
  signupAttemptExistingAccount: ({ link, appName }) =>
    render({
      subject: `Sign-up attempt for your ${appName} account`,
      before: [
        `Someone tried to create a ${appName} account with this email address, but you already have one.`,
        'If that was you and you have forgotten your password, you can reset it here:',
      ],
      link: { href: link, label: 'Reset password' },
      after: [IGNORE],
    }),
  passwordReset: ({ link, appName }) =>
    render({
      subject: `Reset your ${appName} password`,
      before: [`To choose a new password for ${appName}, open this link:`],
      link: { href: link, label: 'Reset password' },
      after: [IGNORE],
    }),
  passwordChanged: ({ appName, when }) =>
    render({
      subject: `Your ${appName} password was changed`,
      before: [`The password of your ${appName} account was changed at ${formatWhen(when)}.`],
      after: ['If you did not do this, reset your password at once and contact support.'],
    }),
  lockout: ({ appName, link }) =>
    render({
      subject: `Your ${appName} account is temporarily locked`,
      before: [
        `Your ${appName} account was locked after too many failed sign-in attempts.`,
        'To unlock it, open this link:',
      ],
      link: { href: link, label: 'Unlock account' },
      after: ['If these attempts were not yours, consider changing your password.'],
    }),
  invitation: ({ link, appName, tenantName, inviter }) =>
    render({
      subject: `${inviter} invited you to ${tenantName} on ${appName}`,
      before: [`${inviter} invited you to join ${tenantName} on ${appName}. To accept, open this link:`],
      link: { href: link, label: `Join ${tenantName}` },
      after: [
        'No account yet? The page lets you create one with this address.',
        'If you do not want to join, you can ignore this message.',
      ],
    }),
};

/** The default templates with any of them replaced. */
export function createMailTemplates(overrides: Partial<MailTemplates> = {}): MailTemplates {
  return { ...defaultMailTemplates, ...overrides };
}
