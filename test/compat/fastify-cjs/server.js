'use strict'

// Fastify 5 in CommonJS, following the Fastify "Getting Started" guide
// (https://fastify.dev/docs/latest/Guides/Getting-Started/): "Your first plugin",
// "Loading order of your plugins", "Validate your data" and "Serialize your data".

// Require the framework and instantiate it
const fastify = require('fastify')({
  logger: true
})

// plugins (from the Fastify ecosystem)
fastify.register(require('@fastify/cors'), {
  origin: true
})

// your plugins (your custom plugins)
fastify.register(require('./plugins/todo-store'))

// your services
fastify.register(require('./routes/todos'))

// Run the server!
fastify.listen({ port: Number(process.env.PORT) || 3000 }, function (err, address) {
  if (err) {
    fastify.log.error(err)
    process.exit(1)
  }
  // Server is now listening on ${address}
})
