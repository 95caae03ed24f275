'use strict'

// Todo routes with JSON Schema validation and serialization
// (Fastify "Getting Started" guide, "Validate your data" and "Serialize your data").
const todoSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    title: { type: 'string' },
    done: { type: 'boolean' }
  }
}

async function routes (fastify, options) {
  fastify.get('/', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            hello: { type: 'string' }
          }
        }
      }
    }
  }, async (request, reply) => {
    return { hello: 'world' }
  })

  fastify.get('/todos', {
    schema: {
      querystring: {
        type: 'object',
        properties: {
          done: { type: 'boolean' }
        }
      },
      response: {
        200: {
          type: 'array',
          items: todoSchema
        }
      }
    }
  }, async (request, reply) => {
    const { done } = request.query
    const todos = fastify.todos.list()
    if (done === undefined) {
      return todos
    }
    return todos.filter((todo) => todo.done === done)
  })

  fastify.get('/todos/:id', {
    schema: {
      params: {
        type: 'object',
        properties: {
          id: { type: 'integer' }
        }
      },
      response: {
        200: todoSchema
      }
    }
  }, async (request, reply) => {
    const todo = fastify.todos.get(request.params.id)
    if (!todo) {
      reply.code(404)
      return { message: 'Todo not found' }
    }
    return todo
  })

  fastify.post('/todos', {
    schema: {
      body: {
        type: 'object',
        required: ['title'],
        properties: {
          title: { type: 'string', minLength: 1 }
        }
      },
      response: {
        201: todoSchema
      }
    }
  }, async (request, reply) => {
    const todo = fastify.todos.add(request.body.title)
    reply.code(201)
    return todo
  })
}

module.exports = routes
