import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer, type CreateHTTPContextOptions } from '@trpc/server/adapters/standalone';
import { z } from 'zod';
import { db } from './db.ts';

// Context: who is calling, from the Authorization header.
function createContext({ req }: CreateHTTPContextOptions) {
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  const user = token ? db.sessions.get(token) ?? null : null;
  return { user };
}
type Context = Awaited<ReturnType<typeof createContext>>;

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        zodError: error.cause instanceof z.ZodError ? z.flattenError(error.cause) : null,
      },
    };
  },
});

const router = t.router;
const publicProcedure = t.procedure;
const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { user: ctx.user } });
});

const appRouter = router({
  greeting: publicProcedure
    .input(z.object({ name: z.string().min(1).optional() }).optional())
    .query(({ input }) => ({ text: `Hello ${input?.name ?? 'world'}` })),
  userList: publicProcedure.query(() => db.user.findMany()),
  userById: publicProcedure.input(z.string()).query(({ input }) => {
    const user = db.user.findById(input);
    if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: `No user ${input}` });
    return user;
  }),
  userCreate: publicProcedure
    .input(z.object({ name: z.string().min(2), email: z.email() }))
    .mutation(({ input }) => db.user.create(input)),
  me: protectedProcedure.query(({ ctx }) => ctx.user),
});

export type AppRouter = typeof appRouter;

const server = createHTTPServer({ router: appRouter, createContext });
const port = Number(process.env.PORT ?? 3000);
server.listen(port);
console.log(`tRPC server listening on http://localhost:${port}`);
