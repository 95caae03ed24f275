'use strict'

const fastify = require('fastify')()
fastify.register(require('@fastify/websocket'))
fastify.register(async function (fastify) {
  fastify.get('/echo', { websocket: true }, (socket /* WebSocket */, req /* FastifyRequest */) => {
    socket.on('message', message => {
      socket.send('echo: ' + message.toString())
    })
  })

  fastify.get('/hello', async (request, reply) => {
    return { hello: 'world' }
  })
})

fastify.listen({ port: process.env.PORT || 3000 }, err => {
  if (err) {
    fastify.log.error(err)
    process.exit(1)
  }
})
