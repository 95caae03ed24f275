// Workload for `npm run bench:fold`: a mix of JIT-optimised JS, builtins, regexps and JSON, so the
// perf capture has kernel, native, interpreted and JIT frames. Usage: node fold.workload.mjs MS
function fib(n){return n<2?n:fib(n-1)+fib(n-2)}
function strings(){let s='';for(let i=0;i<20000;i++){s+=String(i).padStart(6,'0')}return s.length}
function sortit(){const a=[];for(let i=0;i<50000;i++)a.push(Math.random());a.sort((x,y)=>x-y);return a[0]}
const re=/(\d+)-(\w+)/g;
function regex(){let c=0;for(let i=0;i<2000;i++){const m='123-abc 456-def'.matchAll(re);for(const x of m)c+=x[1].length}return c}
const end=Date.now()+Number(process.argv[2]||1500);let t=0;
while(Date.now()<end){t+=fib(20);t+=strings();t+=sortit();t+=regex();JSON.parse(JSON.stringify({a:[1,2,3],b:'x'.repeat(100)}))}
console.log(t>0)
