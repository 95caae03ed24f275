export * from './todo.repository';
