// GraphQL schema built with Yoga's createSchema, following the GraphQL Yoga
// "Quick start" page (https://the-guild.dev/graphql/yoga-server/docs), "Schema".
import { GraphQLError } from 'graphql'
import { createSchema } from 'graphql-yoga'

const authors = [
  { id: '1', name: 'Ursula K. Le Guin' },
  { id: '2', name: 'Octavia E. Butler' }
]

const books = [
  { id: '1', title: 'A Wizard of Earthsea', year: 1968, authorId: '1' },
  { id: '2', title: 'The Left Hand of Darkness', year: 1969, authorId: '1' },
  { id: '3', title: 'Kindred', year: 1979, authorId: '2' }
]

export const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Author {
      id: ID!
      name: String!
      books: [Book!]!
    }

    type Book {
      id: ID!
      title: String!
      year: Int
      author: Author!
    }

    type Query {
      hello(name: String): String!
      books(authorId: ID, first: Int): [Book!]!
      book(id: ID!): Book
      authors: [Author!]!
    }

    type Mutation {
      addBook(title: String!, authorId: ID!, year: Int): Book!
    }
  `,
  resolvers: {
    Query: {
      hello: (_, { name }) => `Hello ${name ?? 'world'}`,
      books: (_, { authorId, first }) => {
        const result = authorId ? books.filter(book => book.authorId === authorId) : books
        return first == null ? result : result.slice(0, first)
      },
      book: (_, { id }) => books.find(book => book.id === id),
      authors: () => authors
    },
    Mutation: {
      addBook: (_, { title, authorId, year }) => {
        if (!authors.some(author => author.id === authorId)) {
          throw new GraphQLError(`Author ${authorId} not found`)
        }
        const book = { id: String(books.length + 1), title, authorId, year }
        books.push(book)
        return book
      }
    },
    Book: {
      author: book => authors.find(author => author.id === book.authorId)
    },
    Author: {
      books: author => books.filter(book => book.authorId === author.id)
    }
  }
})
