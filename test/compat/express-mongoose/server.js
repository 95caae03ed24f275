const express = require('express');
const mongoose = require('mongoose');

mongoose.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/test');

const kittySchema = new mongoose.Schema({
  name: String
});
kittySchema.methods.speak = function speak() {
  const greeting = this.name
    ? 'Meow name is ' + this.name
    : 'I don\'t have a name';
  return greeting;
};
const Kitten = mongoose.model('Kitten', kittySchema);

const app = express();
const port = process.env.PORT || 3000;

app.use(express.json());

app.get('/', (req, res) => {
  res.send('Hello World!');
});

app.get('/health', (req, res) => {
  res.json({ ok: true, db: mongoose.connection.readyState });
});

app.get('/speak/:name', (req, res) => {
  const kitten = new Kitten({ name: req.params.name });
  res.json({ id: typeof kitten._id.toString(), says: kitten.speak() });
});

app.get('/kittens', async (req, res) => {
  const kittens = await Kitten.find();
  res.json(kittens);
});

app.post('/kittens', async (req, res) => {
  const kitten = new Kitten(req.body);
  await kitten.save();
  res.status(201).json(kitten);
});

app.listen(port, () => {
  console.log(`Example app listening on port ${port}`);
});
