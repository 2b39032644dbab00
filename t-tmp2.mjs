import { parse, Dialect } from '@polyglot-sql/sdk';
const r = parse(process.argv[2], Dialect.Redshift); console.log(r.error ?? JSON.stringify(r.ast, (k,v)=> (k==='span'||k==='trailing_comments'||v===null||(Array.isArray(v)&&v.length===0)||v===false)?undefined:v).slice(0,3000));
