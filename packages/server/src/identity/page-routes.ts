import { optionalAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import type { RouteGroup } from '../core/routes.ts';
import { RESET_PATH, VERIFY_PATH } from './account-flows.ts';
import {
  accountPaths,
  forgotPage,
  loginLink,
  loginPage,
  mfaPage,
  passwordForm,
  passwordFormPage,
  safeContinue,
  signedInPage,
  verifyPage,
} from './account-pages.ts';
import type { Identity } from './identity.ts';
import { type PageContent, pageResponse } from './link-pages.ts';
import type { LoginResult } from './login-flows.ts';
import { errorPages, type PageBack } from './page-negotiation.ts';
import { forgotFormPage, loginFormPage, newPasswordFormPage, verifyFormPage } from './responses.ts';
import { loginResponse, setSessionCookie } from './route-steps.ts';

/**
 * The browser side of `/auth/*`: the pages a browser opens (login, forgot, and the forms mailed links open),
 * the route groups whose refusals become pages with a way back, and the page answers the handlers in
 * routes.ts give a request that prefers HTML.
 */

/** A page answer; the headers a handler set on `ctx.response` (the session cookie) go with it. */
export function page(ctx: Context, content: PageContent, status = 200): Response {
  return pageResponse(content, { status, headers: ctx.hasResponseInit ? ctx.response.headers : undefined });
}

/** A form field of the submitted body, for an error page that shows the form again. */
export async function formValue(ctx: Context, name: string): Promise<string | undefined> {
  try {
    const body = (await ctx.body()) as Record<string, unknown> | undefined;
    const value = body?.[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The browser's answer to a login, MFA step or verification: the next form, or "signed in" and the cookie. */
export async function loginPageResponse(
  identity: Identity,
  ctx: Context,
  result: LoginResult,
  prefix: string,
  continueTo: string | undefined,
) {
  const paths = accountPaths(prefix);
  if (result.kind === 'mfa') return page(ctx, mfaPage(paths, result.mfaToken, continueTo));
  if (result.kind === 'tokens') return loginResponse(identity, ctx, result);
  setSessionCookie(identity, ctx, result.issued);
  return page(ctx, signedInPage(paths, identity.deps.appName, result.user.email, continueTo));
}

/** The groups the page-answering POST routes are registered on, each with its way back. */
export interface PageGroups {
  login: RouteGroup;
  mfa: RouteGroup;
  password: RouteGroup;
  forgot: RouteGroup;
}

/** Registers the GET pages under `prefix` and returns the groups for the routes their forms post to. */
export function registerPageRoutes(app: RouteGroup, identityOf: () => Identity, prefix: string): PageGroups {
  const paths = accountPaths(prefix);
  const auth = app.group(prefix);
  const toLogin: PageBack = async (ctx) => ({
    links: [loginLink(paths, safeContinue(await formValue(ctx, 'continue')))],
  });
  // A refused password keeps the link usable: the form comes back; a dead link offers a new one.
  const toPasswordForm: PageBack = async (ctx, error) => {
    const token = await formValue(ctx, 'token');
    const forms =
      token === undefined || error.code === 'LIFT_INVALID_TOKEN'
        ? []
        : [passwordForm(ctx.path, token, false)];
    return { forms, links: [{ href: paths.forgot, label: 'Ask for a new link' }, loginLink(paths)] };
  };
  // A wrong code leaves the MFA step usable (up to auth.mfaMaxAttempts): its form comes back.
  const toMfaForm: PageBack = async (ctx, error) => {
    const mfaToken = await formValue(ctx, 'mfa_token');
    const continueTo = safeContinue(await formValue(ctx, 'continue'));
    const forms =
      mfaToken === undefined || error.code === 'LIFT_INVALID_MFA_TOKEN'
        ? []
        : (mfaPage(paths, mfaToken, continueTo).forms ?? []);
    return { forms, links: [loginLink(paths, continueTo)] };
  };
  const toForgot: PageBack = () => ({ links: [{ href: paths.forgot, label: 'Try again' }] });
  const pages = {
    login: app.group(prefix, errorPages(toLogin), optionalAuth()),
    mfa: app.group(prefix, errorPages(toMfaForm), optionalAuth()),
    password: app.group(prefix, errorPages(toPasswordForm)),
    forgot: app.group(prefix, errorPages(toForgot)),
  };

  auth.get(VERIFY_PATH, {
    responses: { 200: verifyFormPage },
    handler: (ctx) => pageResponse(verifyPage(ctx.path, ctx.query.token ?? '')),
  });

  auth.get('/login', {
    responses: { 200: loginFormPage },
    handler: (ctx) => pageResponse(loginPage(paths, { continueTo: safeContinue(ctx.query.continue) })),
  });

  auth.get('/password/forgot', {
    responses: { 200: forgotFormPage },
    handler: () => pageResponse(forgotPage(paths)),
  });

  auth.get(RESET_PATH, {
    responses: { 200: newPasswordFormPage },
    handler: async (ctx) => {
      const identity = identityOf();
      const token = ctx.query.token ?? '';
      // Only the words differ: a set-password link (a new account, made by an admin) greets a first-time user.
      const firstPassword = (await identity.deps.emailTokens.peek(token, 'set_password')) !== null;
      const { appName, config } = identity.deps;
      return pageResponse(
        passwordFormPage(ctx.path, token, { appName, firstPassword, minLength: config.passwords.minLength }),
      );
    },
  });
  return pages;
}
