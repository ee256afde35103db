import { describe, expect, it } from 'vitest';
import { extractMailLinks } from './mail-links.ts';
import { createMailTemplates, defaultMailTemplates, escapeHtml, type MailTemplates } from './templates.ts';

const link = 'https://app.example.com/accept?token=abc&tenant=t1';

const rendered: Record<keyof MailTemplates, ReturnType<MailTemplates['verifyEmail']>> = {
  verifyEmail: defaultMailTemplates.verifyEmail({ link, appName: 'Notes' }),
  signupAttemptExistingAccount: defaultMailTemplates.signupAttemptExistingAccount({ link, appName: 'Notes' }),
  passwordReset: defaultMailTemplates.passwordReset({ link, appName: 'Notes' }),
  passwordChanged: defaultMailTemplates.passwordChanged({
    appName: 'Notes',
    when: new Date(Date.UTC(2026, 0, 2, 9, 30)),
  }),
  lockout: defaultMailTemplates.lockout({ link, appName: 'Notes' }),
  invitation: defaultMailTemplates.invitation({ link, appName: 'Notes', tenantName: 'Acme', inviter: 'Ada' }),
};

describe('mail templates', () => {
  it.each(Object.entries(rendered).filter(([name]) => name !== 'passwordChanged'))(
    '%s puts the link on its own line in text and escaped in html',
    (_name, mail) => {
      expect(mail.text.split('\n')).toContain(link);
      expect(mail.html).toContain(`href="https://app.example.com/accept?token=abc&amp;tenant=t1"`);
      expect(extractMailLinks(mail.text, mail.html)).toEqual([link]);
      expect(mail.subject).toContain('Notes');
    },
  );

  it('tells an invitee without an account that the invitation page signs them up', () => {
    expect(rendered.invitation.text).toContain(
      'No account yet? The page lets you create one with this address.',
    );
  });

  it('passwordChanged says when, in UTC, and carries no link', () => {
    const mail = rendered.passwordChanged;
    expect(mail.text).toContain('2026-01-02 09:30 UTC');
    expect(mail.html).toContain('2026-01-02 09:30 UTC');
    expect(extractMailLinks(mail.text, mail.html)).toEqual([]);
  });

  it('escapes every variable in html', () => {
    const mail = defaultMailTemplates.invitation({
      link: 'https://app.example.com/a?x="><script>alert(1)</script>',
      appName: 'Notes & <b>Co</b>',
      tenantName: '<script>alert("tenant")</script>',
      inviter: "O'Brien <img src=x onerror=alert(1)>",
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;tenant&quot;)&lt;/script&gt;');
    expect(mail.html).toContain('O&#39;Brien &lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('Notes &amp; &lt;b&gt;Co&lt;/b&gt;');
    expect(mail.text).toContain('<script>alert("tenant")</script>');
  });

  it('escapeHtml escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('createMailTemplates replaces only the templates given', () => {
    const templates = createMailTemplates({
      passwordReset: ({ link: href }) => ({
        subject: 'Custom',
        text: `Go:\n${href}\n`,
        html: '<p>custom</p>',
      }),
    });
    expect(templates.passwordReset({ link, appName: 'Notes' })).toEqual({
      subject: 'Custom',
      text: `Go:\n${link}\n`,
      html: '<p>custom</p>',
    });
    expect(templates.verifyEmail({ link, appName: 'Notes' })).toEqual(rendered.verifyEmail);
    expect(createMailTemplates()).toEqual(defaultMailTemplates);
  });
});
