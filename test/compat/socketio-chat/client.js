const { io } = require('socket.io-client');
const url = process.argv[2];
const transports = process.argv[3] ? [process.argv[3]] : undefined;
const socket = io(url, transports ? { transports } : {});
const t = setTimeout(() => { console.log('TIMEOUT: no echo (connected=' + socket.connected + ')'); process.exit(1); }, 5000);
socket.on('connect', () => {
  console.log('connected', socket.id, 'transport', socket.io.engine.transport.name);
  socket.emit('chat message', 'hello from client');
});
socket.on('connect_error', (e) => console.log('connect_error', e.message));
socket.on('chat message', (msg) => {
  console.log('echo:', msg);
  clearTimeout(t);
  socket.close();
});
