// Root route, registered as a plugin (Fastify "Getting Started" guide,
// "Your first plugin" and "Serialize your data").
async function routes (fastify, options) {
  const opts = {
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
  }

  fastify.get('/', opts, async (request, reply) => {
    return { hello: 'world' }
  })
}

export default routes
