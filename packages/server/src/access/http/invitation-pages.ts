import type { PageContent } from '../../identity/index.ts';
import { accountPaths } from '../../identity/index.ts';
import type { InvitationDetails } from '../tenants/invitation-signup.ts';

/**
 * What the invitation pages say (identity/link-pages.ts renders them). The page for a visitor who is not
 * signed in is the same whether or not the invited address has an account: it offers both ways in.
 */

export const INVITATION_SIGNUP_PATH = '/invitations/signup';

function invitedTo(details: InvitationDetails): string {
  const role = details.role === null ? '' : ` as ${details.role}`;
  return `${details.email} is invited to join ${details.tenantName}${role}.`;
}

/** The link back to the invitation's page (it holds the token: only ever an href on this origin). */
export function invitationPagePath(acceptPath: string, token: string): string {
  return `${acceptPath}?token=${encodeURIComponent(token)}`;
}

export function invitationPage(
  details: InvitationDetails,
  options: {
    acceptPath: string;
    authPrefix: string;
    token: string;
    /** The signed-in user's address, and whether it is the invited one; null when nobody is signed in. */
    signedIn: { email: string; invitee: boolean } | null;
  },
): PageContent {
  const paths = accountPaths(options.authPrefix);
  const title = `Join ${details.tenantName}`;
  if (options.signedIn?.invitee) {
    return {
      title,
      paragraphs: [invitedTo(details)],
      forms: [{ action: options.acceptPath, hidden: { token: options.token }, submit: 'Join' }],
    };
  }
  if (options.signedIn !== null) {
    return {
      title,
      paragraphs: [
        invitedTo(details),
        `You are signed in as ${options.signedIn.email}. Log out, then open this invitation again.`,
      ],
      forms: [{ action: paths.logout, submit: 'Log out' }],
    };
  }
  const email = {
    name: 'email',
    label: 'Email address',
    type: 'email' as const,
    autocomplete: 'username',
    value: details.email,
    readonly: true,
  };
  return {
    title,
    paragraphs: [invitedTo(details)],
    forms: [
      {
        heading: `I have an account for ${details.email}`,
        action: paths.login,
        hidden: { continue: invitationPagePath(options.acceptPath, options.token) },
        fields: [
          email,
          {
            name: 'password',
            label: 'Password',
            type: 'password',
            autocomplete: 'current-password',
            required: true,
          },
        ],
        submit: 'Log in',
      },
      {
        heading: "I'm new here",
        action: INVITATION_SIGNUP_PATH,
        hidden: { token: options.token },
        fields: [
          email,
          { name: 'name', label: 'Your name (optional)', type: 'text', autocomplete: 'name' },
          {
            name: 'password',
            label: 'Choose a password',
            type: 'password',
            autocomplete: 'new-password',
            required: true,
          },
        ],
        submit: 'Create my account',
      },
    ],
  };
}

export function joinedPage(tenantName: string, roles: string[]): PageContent {
  return {
    title: `You joined ${tenantName}`,
    paragraphs: [
      roles.length === 0
        ? `You are now a member of ${tenantName}.`
        : `You are now a member of ${tenantName}, with the roles: ${roles.join(', ')}.`,
    ],
  };
}

/** The same words whether or not the address already had an account (its owner's mail says which). */
export function signupSentPage(email: string, tenantName: string): PageContent {
  return {
    title: 'Check your inbox',
    paragraphs: [
      `We sent a link to ${email}. Open it to confirm the address: that creates your account and makes you a member of ${tenantName}.`,
      'If the address already has an account, the mail says so; log in with it and open the invitation again.',
    ],
  };
}
