import { z } from 'zod';
import { DAY, durationMs } from '../core/config/config-fields.ts';

/**
 * The config section the access module owns: `access.*` (LIFT_ACCESS__*). Merged into the app's one schema by
 * core's loader when the app has this module; docs/configuration.md lists it.
 */

const accessSection = z
  .strictObject({
    invitationTtlMs: durationMs(7 * DAY, 'How long a tenant invitation link can be accepted.'),
    maxPendingInvitations: z.coerce
      .number()
      .int()
      .min(1)
      .default(200)
      .describe(
        'Pending invitations a tenant may have at once; one more is refused with 409 LIFT_INVITATION_LIMIT.',
      ),
  })
  .prefault({});

/** The sections of the access module, as `LiftModule.config`. */
export const accessConfig = { access: accessSection };

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    access: typeof accessSection;
  }
}
