import http from 'node:http';
import { EventEmitter, on } from 'node:events';
import { GraphQLSchema, GraphQLObjectType, GraphQLString, GraphQLList, GraphQLNonNull, GraphQLInt } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';

const messages = [{ id: 1, text: 'first', author: 'ada' }];
const events = new EventEmitter();

const Message = new GraphQLObjectType({
  name: 'Message',
  fields: { id: { type: GraphQLInt }, text: { type: GraphQLString }, author: { type: GraphQLString } },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, resolve: () => 'world' },
      messages: {
        type: new GraphQLList(Message),
        args: { author: { type: GraphQLString } },
        resolve: (_root, { author }) => (author ? messages.filter((m) => m.author === author) : messages),
      },
    },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      postMessage: {
        type: Message,
        args: { text: { type: new GraphQLNonNull(GraphQLString) }, author: { type: new GraphQLNonNull(GraphQLString) } },
        resolve: (_root, { text, author }) => {
          const message = { id: messages.length + 1, text, author };
          messages.push(message);
          events.emit('message', message);
          return message;
        },
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      greetings: {
        type: GraphQLString,
        subscribe: async function* () {
          for (const hi of ['Hi', 'Bonjour', 'Hola', 'Ciao', 'Zdravo']) yield { greetings: hi };
        },
      },
      messageAdded: {
        type: Message,
        subscribe: async function* (_root, _args, _ctx) {
          for await (const [message] of on(events, 'message')) yield { messageAdded: message };
        },
      },
    },
  }),
});

// Queries and mutations over HTTP (graphql-http), subscriptions over WebSocket (graphql-ws),
// on one server and one path, as graphql-ws's README shows.
const handler = createHandler({ schema });
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/graphql')) return handler(req, res);
  res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
});
const wsServer = new WebSocketServer({ server, path: '/graphql' });
useServer({ schema }, wsServer);

const port = Number(process.env.PORT ?? 4000);
server.listen(port, () => console.log(`GraphQL over HTTP and WebSocket on http://localhost:${port}/graphql`));
