import { randomUUID } from 'node:crypto';

export interface User {
  id: string;
  name: string;
  email: string;
}

const users: User[] = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com' },
];

export const db = {
  user: {
    findMany: async () => users,
    findById: (id: string) => users.find((u) => u.id === id),
    create: async (data: { name: string; email: string }) => {
      const user = { id: randomUUID(), ...data };
      users.push(user);
      return user;
    },
  },
  sessions: new Map<string, User>([['secret-token', users[0]!]]),
};
