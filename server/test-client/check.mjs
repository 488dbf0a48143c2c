// Drives kvlab serve with the official OpenAI Node client and prints what it got as one JSON line.
// Usage: node check.mjs BASE_URL API_KEY MODEL   (loopback only; run by OpenAiClientTest)
import OpenAI from 'openai';

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const prompt = 'The quick brown fox';
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const plain = await client.completions.create({ model, prompt, max_tokens: 16, temperature: 0, ignore_eos: true });
out.plain = { text: plain.choices[0].text, finish: plain.choices[0].finish_reason, usage: plain.usage };

const stream = await client.completions.create({
  model, prompt, max_tokens: 16, temperature: 0, ignore_eos: true, stream: true,
  stream_options: { include_usage: true },
});
let text = '';
let chunks = 0;
let finish = null;
let usage = null;
for await (const chunk of stream) {
  if (chunk.choices.length > 0) {
    chunks++;
    text += chunk.choices[0].text;
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  if (chunk.usage) usage = chunk.usage;
}
out.stream = { text, chunks, finish, usage };

const n = await client.completions.create({ model, prompt, max_tokens: 8, temperature: 1, seed: 3, n: 2,
  ignore_eos: true });
out.n = n.choices.map((c) => ({ index: c.index, text: c.text }));

const nStream = await client.completions.create({ model, prompt, max_tokens: 8, temperature: 1, seed: 3, n: 2,
  ignore_eos: true, stream: true });
const texts = ['', ''];
for await (const chunk of nStream) {
  for (const c of chunk.choices) texts[c.index] += c.text;
}
out.nStream = texts;

try {
  await client.completions.create({ model: 'no-such-model', prompt, max_tokens: 4 });
  out.badModel = { status: 200 };
} catch (e) {
  out.badModel = { status: e.status, message: e.error?.message ?? String(e) };
}

try {
  await new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 }).completions.create({ model, prompt, max_tokens: 4 });
  out.badKey = { status: 200 };
} catch (e) {
  out.badKey = { status: e.status };
}

console.log(JSON.stringify(out));
