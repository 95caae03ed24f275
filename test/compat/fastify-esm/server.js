// Fastify 5 in ESM, following the Fastify "Getting Started" guide
// (https://fastify.dev/docs/latest/Guides/Getting-Started/): "Your first server",
// "Your first plugin", "Validate your data" and "Serialize your data".
import Fastify from 'fastify'
import rootRoute from './routes/root.js'
import animalRoutes from './routes/animals.js'

const fastify = Fastify({
  logger: true
})

// A decorator: a small in-memory store, available as `fastify.animals`
// in every plugin registered after it.
fastify.decorate('animals', {
  nextId: 4,
  items: [
    { id: 1, animal: 'dog', name: 'Rex' },
    { id: 2, animal: 'cat', name: 'Tom' },
    { id: 3, animal: 'dog', name: 'Fido' }
  ]
})

fastify.register(rootRoute)
fastify.register(animalRoutes)

try {
  await fastify.listen({ port: Number(process.env.PORT) || 3000, host: '0.0.0.0' })
} catch (err) {
  fastify.log.error(err)
  process.exit(1)
}
