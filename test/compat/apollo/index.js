// Apollo Server standalone server in ESM with top-level await, following the
// Apollo Server "Get started" page
// (https://www.apollographql.com/docs/apollo-server/getting-started).
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

// A schema is a collection of type definitions (hence "typeDefs")
// that together define the "shape" of queries that are executed against
// your data.
const typeDefs = `#graphql
  # Comments in GraphQL strings (such as this one) start with the hash (#) symbol.

  type Author {
    id: ID!
    name: String!
    books: [Book!]!
  }

  type Book {
    id: ID!
    title: String!
    year: Int
    author: Author
  }

  # The "Query" type is special: it lists all of the available queries that
  # clients can execute, along with the return type for each.
  type Query {
    books(authorId: ID, limit: Int): [Book!]!
    book(id: ID!): Book
    authors: [Author!]!
    author(id: ID!): Author
  }

  input AddBookInput {
    title: String!
    year: Int
    authorId: ID!
  }

  type Mutation {
    addBook(input: AddBookInput!): Book!
  }
`;

// The data set: plain in-memory arrays.
const authors = [
  { id: '1', name: 'Kate Chopin' },
  { id: '2', name: 'Paul Auster' },
];

const books = [
  { id: '1', title: 'The Awakening', year: 1899, authorId: '1' },
  { id: '2', title: 'City of Glass', year: 1985, authorId: '2' },
  { id: '3', title: 'The Locked Room', year: 1986, authorId: '2' },
];

// Resolvers define how to fetch the types defined in your schema.
const resolvers = {
  Query: {
    books: (parent, { authorId, limit }) => {
      const result = authorId ? books.filter((book) => book.authorId === authorId) : books;
      return limit == null ? result : result.slice(0, limit);
    },
    book: (parent, { id }) => books.find((book) => book.id === id),
    authors: () => authors,
    author: (parent, { id }) => authors.find((author) => author.id === id),
  },
  Mutation: {
    addBook: (parent, { input }) => {
      const book = { id: String(books.length + 1), ...input };
      books.push(book);
      return book;
    },
  },
  Book: {
    author: (book) => authors.find((author) => author.id === book.authorId),
  },
  Author: {
    books: (author) => books.filter((book) => book.authorId === author.id),
  },
};

// The ApolloServer constructor requires two parameters: your schema
// definition and your set of resolvers.
const server = new ApolloServer({
  typeDefs,
  resolvers,
});

// Passing an ApolloServer instance to the `startStandaloneServer` function:
//  1. creates an HTTP server
//  2. installs your ApolloServer instance as middleware
//  3. prepares your app to handle incoming requests
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT) || 4000 },
});

console.log(`🚀  Server ready at: ${url}`);
