import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { createGrant, deleteGrant } from '../admin/grant-flows.ts';
import { grantView } from '../admin/views.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import { GRANT_SUBJECT_TYPES, type Grant, type GrantSubjectType } from '../stores/grant-store.ts';
import { actorOf } from './admin-actor.ts';
import type { AccessRouteDeps } from './deps.ts';
import { grantBody, grantCreated, grantList } from './responses.ts';

const id = z.string().min(1).max(200);
const subjectType = z.enum(GRANT_SUBJECT_TYPES as [GrantSubjectType, ...GrantSubjectType[]]);

const listQuery = z.object({
  subject_type: subjectType.optional(),
  subject_id: id.optional(),
  tenant_id: id.optional(),
  role_id: id.optional(),
});

const createBody = z.object({
  subject: z.object({ type: subjectType, id }),
  role_id: id,
  /** Required: null is a global grant, never a default. */
  tenant_id: id.nullable(),
});

function queryIssue(message: string): ValidationError {
  return new ValidationError([{ location: 'query', path: '', message, code: 'invalid_value' }]);
}

/**
 * `/admin/api/grants*` for holders of the global `grants:read` / `grants:write`. Lists by subject, tenant or
 * role; creates with an explicit `tenant_id` (null: global); deletes by grant id.
 */
export function registerGrantRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const prefix = deps.config.auth.adminPrefix;
  const readers = app.group(prefix, requireAuth(), deps.permit(LIFT_PERMISSIONS.grantsRead));
  const writers = app.group(prefix, requireAuth(), deps.permit(LIFT_PERMISSIONS.grantsWrite));

  const find = async (grantId: string): Promise<Grant> => {
    const grant = await deps.access().grants.get(grantId);
    if (grant === null) throw new NotFoundError('No such grant.');
    return grant;
  };

  readers.get('/grants', {
    input: { query: listQuery },
    output: grantList,
    handler: async (_ctx, { query }) => {
      const grants = deps.access().grants;
      const tenantId = query.tenant_id ?? null;
      let found: Grant[];
      if (query.subject_type !== undefined || query.subject_id !== undefined) {
        if (query.subject_type === undefined || query.subject_id === undefined) {
          throw queryIssue('subject_type and subject_id go together.');
        }
        found = await grants.listBySubject({ type: query.subject_type, id: query.subject_id }, tenantId);
      } else if (query.role_id !== undefined) {
        found = await grants.listByRole(query.role_id, tenantId);
      } else if (tenantId !== null) {
        found = await grants.listByTenant(tenantId);
      } else {
        throw queryIssue('List grants by subject_type and subject_id, by role_id, or by tenant_id.');
      }
      return { grants: found.map(grantView) };
    },
  });

  readers.get('/grants/:grantId', {
    input: { params: z.object({ grantId: id }) },
    output: grantBody,
    handler: async (_ctx, { params }) => ({ grant: grantView(await find(params.grantId)) }),
  });

  writers.post('/grants', {
    input: { body: createBody },
    responses: { 200: grantCreated, 201: grantCreated },
    handler: async (ctx, { body }) => {
      if (
        body.subject.type === 'user' &&
        (await deps.identity().directory.findById(body.subject.id)) === null
      ) {
        throw new ValidationError([
          { location: 'body', path: 'subject.id', message: 'No such user.', code: 'unknown_user' },
        ]);
      }
      const { grant, created, memberAdded } = await createGrant(deps.access(), actorOf(ctx), {
        subject: body.subject,
        roleId: body.role_id,
        tenantId: body.tenant_id,
      });
      ctx.response.status = created ? 201 : 200;
      return { grant: grantView(grant), member_added: memberAdded };
    },
  });

  writers.delete('/grants/:grantId', {
    input: { params: z.object({ grantId: id }) },
    responses: { 204: null },
    handler: async (ctx, { params }) => {
      if (!(await deleteGrant(deps.access(), actorOf(ctx), await find(params.grantId)))) {
        throw new NotFoundError('No such grant.');
      }
    },
  });
}
