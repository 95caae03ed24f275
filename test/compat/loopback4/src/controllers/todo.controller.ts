import { Count, CountSchema, Filter, repository, Where } from '@loopback/repository';
import { del, get, getModelSchemaRef, param, patch, post, requestBody, response } from '@loopback/rest';
import { Todo } from '../models';
import { TodoRepository } from '../repositories';

export class TodoController {
  constructor(
    @repository(TodoRepository)
    public todoRepository: TodoRepository,
  ) {}

  @post('/todos')
  @response(200, {
    description: 'Todo model instance',
    content: { 'application/json': { schema: getModelSchemaRef(Todo) } },
  })
  async create(
    @requestBody({
      content: {
        'application/json': {
          schema: getModelSchemaRef(Todo, { title: 'NewTodo', exclude: ['id'] }),
        },
      },
    })
    todo: Omit<Todo, 'id'>,
  ): Promise<Todo> {
    return this.todoRepository.create(todo);
  }

  @get('/todos/count')
  @response(200, {
    description: 'Todo model count',
    content: { 'application/json': { schema: CountSchema } },
  })
  async count(@param.where(Todo) where?: Where<Todo>): Promise<Count> {
    return this.todoRepository.count(where);
  }

  @get('/todos')
  @response(200, {
    description: 'Array of Todo model instances',
    content: {
      'application/json': {
        schema: { type: 'array', items: getModelSchemaRef(Todo, { includeRelations: true }) },
      },
    },
  })
  async find(@param.filter(Todo) filter?: Filter<Todo>): Promise<Todo[]> {
    return this.todoRepository.find(filter);
  }

  @get('/todos/{id}')
  @response(200, {
    description: 'Todo model instance',
    content: { 'application/json': { schema: getModelSchemaRef(Todo, { includeRelations: true }) } },
  })
  async findById(@param.path.number('id') id: number): Promise<Todo> {
    return this.todoRepository.findById(id);
  }

  @patch('/todos/{id}')
  @response(204, { description: 'Todo PATCH success' })
  async updateById(
    @param.path.number('id') id: number,
    @requestBody({
      content: { 'application/json': { schema: getModelSchemaRef(Todo, { partial: true }) } },
    })
    todo: Todo,
  ): Promise<void> {
    await this.todoRepository.updateById(id, todo);
  }

  @del('/todos/{id}')
  @response(204, { description: 'Todo DELETE success' })
  async deleteById(@param.path.number('id') id: number): Promise<void> {
    await this.todoRepository.deleteById(id);
  }
}
