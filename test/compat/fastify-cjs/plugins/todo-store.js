'use strict'

// An in-memory store exposed as the `todos` decorator. Wrapping the plugin with
// fastify-plugin exposes the decorator to the parent scope
// (Fastify "Getting Started" guide, "Your first plugin"; fastify-plugin README).
const fp = require('fastify-plugin')

async function todoStore (fastify, options) {
  const todos = [
    { id: 1, title: 'Read the Getting Started guide', done: true },
    { id: 2, title: 'Write a plugin', done: false }
  ]
  let nextId = 3

  fastify.decorate('todos', {
    list () {
      return todos
    },
    get (id) {
      return todos.find((todo) => todo.id === id)
    },
    add (title) {
      const todo = { id: nextId++, title, done: false }
      todos.push(todo)
      return todo
    }
  })
}

module.exports = fp(todoStore, {
  fastify: '5.x',
  name: 'todo-store'
})
