'use strict';

// hapi 21 server written like the hapi tutorials:
// "Getting Started" (https://hapi.dev/tutorials/gettingstarted/),
// "Routing" (https://hapi.dev/tutorials/routing/) and
// "Validation" (https://hapi.dev/tutorials/validation/).

const Hapi = require('@hapi/hapi');
const Joi = require('joi');

const books = [
    { id: 1, title: 'The Pragmatic Programmer', author: 'Andrew Hunt', year: 1999 },
    { id: 2, title: 'Eloquent JavaScript', author: 'Marijn Haverbeke', year: 2011 },
    { id: 3, title: 'Node.js Design Patterns', author: 'Mario Casciaro', year: 2014 }
];

const init = async () => {

    const server = Hapi.server({
        port: process.env.PORT || 3000,
        host: 'localhost'
    });

    server.route({
        method: 'GET',
        path: '/',
        handler: (request, h) => {

            return 'Hello World!';
        }
    });

    server.route({
        method: 'GET',
        path: '/hello/{name?}',
        handler: (request, h) => {

            const name = request.params.name ? request.params.name : 'stranger';
            return `Hello ${name}!`;
        }
    });

    server.route({
        method: 'GET',
        path: '/books',
        handler: (request, h) => {

            return books;
        }
    });

    server.route({
        method: 'GET',
        path: '/books/{id}',
        handler: (request, h) => {

            const book = books.find((b) => b.id === request.params.id);

            if (!book) {
                return h.response({ error: 'Book not found' }).code(404);
            }

            return book;
        },
        options: {
            validate: {
                params: Joi.object({
                    id: Joi.number().integer().min(1)
                })
            }
        }
    });

    server.route({
        method: 'POST',
        path: '/books',
        handler: (request, h) => {

            const book = { id: books.length + 1, ...request.payload };
            books.push(book);

            return h.response(book).code(201);
        },
        options: {
            validate: {
                payload: Joi.object({
                    title: Joi.string().min(1).max(200).required(),
                    author: Joi.string().min(1).max(100).required(),
                    year: Joi.number().integer().min(1450).max(2100)
                })
            }
        }
    });

    await server.start();
    console.log('Server running on %s', server.info.uri);
};

process.on('unhandledRejection', (err) => {

    console.log(err);
    process.exit(1);
});

init();
