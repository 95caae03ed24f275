export * from './todo.model';
