// usage: node ws-client.js PORT|URL [PATH]
const WebSocket = require('ws')
const arg = process.argv[2], path = process.argv[3] || '/echo'
const base = /^\d+$/.test(arg) ? `ws://127.0.0.1:${arg}` : arg.replace(/^http/, 'ws').replace(/\/$/, '')
const ws = new WebSocket(`${base}${path}`)
const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(2) }, 3000)
ws.on('open', () => { ws.send('hi from client'); ws.send('second') })
const got = []
ws.on('message', (data) => { got.push(data.toString()); if (got.length === 2) { console.log(JSON.stringify(got)); clearTimeout(t); ws.close() } })
ws.on('unexpected-response', (req, res) => { console.log('unexpected-response', res.statusCode, res.headers['content-type']); clearTimeout(t); process.exit(1) })
ws.on('close', (code) => { if (got.length < 2) { console.log('closed', code, JSON.stringify(got)); clearTimeout(t) } })
ws.on('error', (e) => { console.log('error', e.message); clearTimeout(t); process.exit(1) })
