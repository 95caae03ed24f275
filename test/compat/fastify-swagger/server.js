import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fastifyStatic from '@fastify/static'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const __dirname = path.dirname(fileURLToPath(import.meta.url))

const fastify = Fastify({ logger: true })

await fastify.register(swagger, {
  openapi: {
    openapi: '3.0.0',
    info: {
      title: 'Test swagger',
      description: 'Testing the Fastify swagger API',
      version: '0.1.0'
    },
    servers: [{ url: 'http://localhost:3000', description: 'Development server' }],
    tags: [{ name: 'user', description: 'User related end-points' }]
  }
})

await fastify.register(swaggerUi, {
  routePrefix: '/documentation',
  uiConfig: {
    docExpansion: 'full',
    deepLinking: false
  },
  staticCSP: true,
  transformSpecificationClone: true
})

fastify.register(fastifyStatic, {
  root: path.join(__dirname, 'public'),
  prefix: '/public/'
})

fastify.get('/', async function handler (request, reply) {
  return { hello: 'world' }
})

fastify.put('/some-route/:id', {
  schema: {
    description: 'post some data',
    tags: ['user'],
    summary: 'qwerty',
    params: {
      type: 'object',
      properties: { id: { type: 'string', description: 'user id' } }
    },
    body: {
      type: 'object',
      properties: {
        hello: { type: 'string' },
        obj: { type: 'object', properties: { some: { type: 'string' } } }
      }
    },
    response: {
      201: {
        description: 'Successful response',
        type: 'object',
        properties: { hello: { type: 'string' } }
      }
    }
  }
}, (req, reply) => { reply.code(201).send({ hello: `Hello ${req.body.hello} (${req.params.id})` }) })

fastify.get('/users/:id', {
  schema: {
    tags: ['user'],
    params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
    response: {
      200: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } }
    }
  }
}, async (request) => {
  return { id: request.params.id, name: `user${request.params.id}`, secret: 'not serialized' }
})

await fastify.ready()
fastify.swagger()

try {
  await fastify.listen({ port: Number(process.env.PORT) || 3000 })
} catch (err) {
  fastify.log.error(err)
  process.exit(1)
}
