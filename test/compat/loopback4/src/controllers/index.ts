export * from './ping.controller';
export * from './todo.controller';
