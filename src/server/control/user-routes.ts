import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import { Msisdn, NoContent, TestUser as TestUserSchema } from '../../platform/schemas.js';
import type { TestUser } from '../../platform/test-users.js';
import type { AppContext } from '../context.js';

const NewUserBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      phoneNumber: Type.Optional(Msisdn),
      givenName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      familyName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      email: Type.Optional(Type.String({ minLength: 3, maxLength: 200, pattern: '^[^@\\s]+@[^@\\s]+$' })),
      nin: Type.Optional(Type.String({ description: 'Norwegian national identity number (11 digits, valid control digits); generated when left out' })),
      birthDate: Type.Optional(Type.String({ description: 'YYYY-MM-DD; taken from the NIN when one is given' })),
      address: Type.Optional(
        Type.Object(
          {
            streetAddress: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            postalCode: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z -]{2,10}$' })),
            city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
]);

const PhoneParams = Type.Object({ phoneNumber: Msisdn });
const UserView = Type.Composite([TestUserSchema, Type.Object({ name: Type.String({ description: 'Given and family name' }) })]);
const userView = (u: TestUser) => ({ ...u, name: `${u.givenName} ${u.familyName}` });

/**
 * Test users: the Vipps users of the test environment, shared by every merchant.
 */
export const userControl = (ctx: AppContext): FastifyPluginAsyncTypebox => async (app) => {

  app.get('/users', { schema: { summary: 'Test users', response: { 200: Type.Object({ users: Type.Array(UserView) }) } } }, async () => ({ users: (await ctx.users.list()).map(userView) }));

  app.get('/users/:phoneNumber', { schema: { summary: 'A test user', params: PhoneParams, response: { 200: UserView } } }, async (request) => {
    const user = await ctx.users.find(request.params.phoneNumber);
    if (!user) throw new ProblemError(problem(404, 'Not Found', `There is no test user with the phone number ${request.params.phoneNumber}.`));
    return userView(user);
  });

  app.post('/users', { schema: { summary: 'Create a test user (what is left out is generated)', body: NewUserBody, response: { 201: UserView } } }, async (request, reply) => {
    const body = request.body ?? {};
    const user = await ctx.database.commands.run((trx) => ctx.users.create(body, ctx.clock.now(), trx));
    return reply.code(201).send(userView(user));
  });

  app.delete('/users/:phoneNumber', { schema: { summary: 'Delete a test user', params: PhoneParams, response: { 204: NoContent } } }, async (request, reply) => {
    const phone = request.params.phoneNumber;
    const deleted = await ctx.database.commands.run(async (trx) => {
      const gone = await ctx.users.delete(phone, trx);
      if (gone) await ctx.inbox.removeUser(trx, phone);
      return gone;
    });
    if (!deleted) throw new ProblemError(problem(404, 'Not Found', `There is no test user with the phone number ${phone}.`));
    return reply.code(204).send(null);
  });
};
