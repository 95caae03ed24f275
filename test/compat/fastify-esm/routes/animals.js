// Animal routes with JSON Schema validation and serialization
// (Fastify "Getting Started" guide, "Your first plugin" and "Validate your data").
async function routes (fastify, options) {
  const store = fastify.animals

  const animalSchema = {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      animal: { type: 'string' },
      name: { type: 'string' }
    }
  }

  const listSchema = {
    querystring: {
      type: 'object',
      properties: {
        animal: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 }
      }
    },
    response: {
      200: {
        type: 'array',
        items: animalSchema
      }
    }
  }

  fastify.get('/animals', { schema: listSchema }, async (request, reply) => {
    const { animal, limit } = request.query
    let result = store.items
    if (animal) {
      result = result.filter((item) => item.animal === animal)
    }
    return result.slice(0, limit)
  })

  const getSchema = {
    params: {
      type: 'object',
      properties: {
        id: { type: 'integer' }
      }
    },
    response: {
      200: animalSchema
    }
  }

  fastify.get('/animals/:id', { schema: getSchema }, async (request, reply) => {
    const result = store.items.find((item) => item.id === request.params.id)
    if (!result) {
      reply.code(404)
      return { message: `Animal ${request.params.id} not found` }
    }
    return result
  })

  const animalBodyJsonSchema = {
    type: 'object',
    required: ['animal', 'name'],
    properties: {
      animal: { type: 'string', minLength: 1 },
      name: { type: 'string', minLength: 1 }
    }
  }

  const postSchema = {
    body: animalBodyJsonSchema,
    response: {
      201: animalSchema
    }
  }

  fastify.post('/animals', { schema: postSchema }, async (request, reply) => {
    // we can use the `request.body` object to get the data sent by the client
    const result = { id: store.nextId++, ...request.body }
    store.items.push(result)
    reply.code(201)
    return result
  })
}

export default routes
