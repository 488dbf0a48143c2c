#!/usr/bin/env node
// llama.cpp (through node-llama-cpp's prebuilt CPU binaries) on an f32 GGUF from gguf_export.py: issue 8's
// "vs llama.cpp f32" row. CPU only; never downloads or builds anything (getLlama: gpu false, build "never",
// skipDownload). Prints one JSON object per line per figure (pandas.read_json(f, lines=True)); bad input: one
// line on stderr, exit 2. Usage and what each figure means: tools/README.md.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {createRequire} from "node:module";
import {pathToFileURL} from "node:url";
import {parseArgs} from "node:util";
// node-llama-cpp is loaded when main runs, so a checkout without `npm install` gets one line, not a stack trace.
let getLlama, LlamaLogLevel, TokenBias;
async function loadBinding() {
    try {
        ({getLlama, LlamaLogLevel, TokenBias} = await import("node-llama-cpp"));
    } catch (e) {
        fail(`node-llama-cpp is not installed: run (cd tools/llamacpp && npm install) first (${e.code ?? e.message})`);
    }
}

const FOX = [464, 2068, 7586, 21831, 18045, 625, 262, 16931]; // kvlab's standard 8-token prompt
const USAGE = `usage: node bench.mjs --model FILE.gguf [--threads N] [--only greedy,batch,prefill,agreement,fixture]
  [--prompt-ids 464,2068,...] [--max-new-tokens 200] [--batches 8,32] [--batch-new-tokens 100]
  [--prefill-tokens 512] [--repeats 5] [--kv-type f32|f16] [--flash-attn off|on|auto] [--dispatch lockstep|free]
  [--kvlab-json FILE (kvlab generate --json: greedy ids to compare; needed by agreement)] [--fixture DIR]`;

function fail(msg) {
    console.error(`bench: ${msg}`);
    process.exit(2);
}

function intList(s, name) {
    const v = s.split(",").map((x) => Number(x.trim()));
    if (v.length === 0 || v.some((x) => !Number.isInteger(x) || x < 0)) fail(`--${name} wants comma-separated non-negative integers, got ${s}`);
    return v;
}

function positive(s, name) {
    const v = Number(s);
    if (!Number.isInteger(v) || v < 1) fail(`--${name} wants a positive integer, got ${s}`);
    return v;
}

function options() {
    let a;
    try {
        a = parseArgs({
            options: {
                model: {type: "string"}, threads: {type: "string", default: "1"}, only: {type: "string", default: "greedy,batch,prefill"},
                "prompt-ids": {type: "string", default: FOX.join(",")}, "max-new-tokens": {type: "string", default: "200"},
                batches: {type: "string", default: "8,32"}, "batch-new-tokens": {type: "string", default: "100"},
                "prefill-tokens": {type: "string", default: "512"}, repeats: {type: "string", default: "5"},
                "kv-type": {type: "string", default: "f32"}, "flash-attn": {type: "string", default: "off"},
                dispatch: {type: "string", default: "lockstep"}, "kvlab-json": {type: "string"},
                fixture: {type: "string"}, help: {type: "boolean", default: false},
            },
        }).values;
    } catch (e) {
        fail(`${e.message}\n${USAGE}`);
    }
    if (a.help) {
        console.log(USAGE);
        process.exit(0);
    }
    if (!a.model) fail(`--model FILE.gguf is required\n${USAGE}`);
    if (!fs.existsSync(a.model)) fail(`${a.model}: no such file`);
    const only = a.only.split(",");
    for (const o of only) if (!["greedy", "batch", "prefill", "fixture", "agreement"].includes(o)) fail(`--only: unknown figure ${o}`);
    if (only.includes("fixture") && !a.fixture) fail("--only fixture needs --fixture DIR (model/src/test/resources/hf-gpt2/tiny or small)");
    if (only.includes("agreement") && !a["kvlab-json"]) fail("--only agreement needs --kvlab-json FILE (kvlab generate --json output)");
    if (!["f32", "f16"].includes(a["kv-type"])) fail(`--kv-type f32 or f16, got ${a["kv-type"]}`);
    const fa = {auto: "auto", on: true, off: false}[a["flash-attn"]];
    if (fa === undefined) fail(`--flash-attn auto, on or off, got ${a["flash-attn"]}`);
    if (!["lockstep", "free"].includes(a.dispatch)) fail(`--dispatch lockstep or free, got ${a.dispatch}`);
    if (a["kvlab-json"] && !fs.existsSync(a["kvlab-json"])) fail(`${a["kvlab-json"]}: no such file`);
    return {
        model: a.model, threads: positive(a.threads, "threads"), only, promptIds: intList(a["prompt-ids"], "prompt-ids"),
        maxNewTokens: positive(a["max-new-tokens"], "max-new-tokens"), batches: intList(a.batches, "batches").map((b) => positive(b, "batches")),
        batchNewTokens: positive(a["batch-new-tokens"], "batch-new-tokens"), prefillTokens: positive(a["prefill-tokens"], "prefill-tokens"),
        repeats: positive(a.repeats, "repeats"), kvType: a["kv-type"].toUpperCase(), flashAttn: fa, fixture: a.fixture,
        dispatch: a.dispatch, kvlabJson: a["kvlab-json"],
    };
}

const median = (xs) => {
    const s = [...xs].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 3) => Number(x.toFixed(d));

// Records every batch node-llama-cpp hands to llama_decode. Its prioritization strategy is called once per
// decodeBatch (one llama_decode) with every queued evaluation, so wrapping the library's own default
// ("maximumParallelism") shows how many sequences and tokens each llama_decode carried; wrapping the native
// context's decodeBatch (an internal of node-llama-cpp 3.22) times the llama_decode itself, without sampling and JS.
async function dispatchRecorder() {
    const pkg = path.dirname(createRequire(import.meta.url).resolve("node-llama-cpp"));
    const file = path.join(pkg, "evaluator/LlamaContext/utils/batchItemsPrioritizationStrategies/maximumParallelismStrategy.js");
    const {maximumParallelismStrategy} = await import(pathToFileURL(file).href);
    const log = [];
    const strategy = (opts) => {
        const res = maximumParallelismStrategy(opts);
        log.push({t: performance.now(), sequences: res.filter((r) => r.processAmount > 0).length,
            tokens: res.reduce((n, r) => n + r.processAmount, 0), decode_ms: null});
        return res;
    };
    const timeDecodes = (ctx) => {
        const native = ctx._ctx;
        if (typeof native?.decodeBatch !== "function") throw new Error("node-llama-cpp internals changed: no _ctx.decodeBatch to time");
        const decode = native.decodeBatch.bind(native);
        Object.defineProperty(native, "decodeBatch", {value: async () => { // the method is read-only on the prototype
            const t0 = performance.now();
            await decode();
            log[log.length - 1].decode_ms = performance.now() - t0;
        }});
    };
    return {strategy, log, timeDecodes};
}

// A context with its recorder: every llama_decode it runs lands in rec.log.
async function newContext(model, o, sequences, contextSize) {
    const rec = await dispatchRecorder();
    const ctx = await model.createContext({
        sequences, contextSize, batchSize: 512, threads: {ideal: o.threads, min: o.threads}, flashAttention: o.flashAttn,
        experimentalKvCacheKeyType: o.kvType, experimentalKvCacheValueType: o.kvType, ignoreMemorySafetyChecks: true,
        batching: {itemPrioritizationStrategy: rec.strategy},
    });
    rec.timeDecodes(ctx);
    return {ctx, rec};
}

// Greedy decode, EOS never picked (kvlab's --ignore-eos); the time each token arrives (ms, performance.now()).
async function greedy(sequence, prompt, n, bias) {
    const ids = [];
    const at = [];
    const t0 = performance.now();
    for await (const token of sequence.evaluate(prompt, {temperature: 0, tokenBias: bias})) {
        at.push(performance.now());
        ids.push(token);
        if (ids.length >= n) break;
    }
    return {ids, at, t0};
}

function kvlabAgreement(o, ids) {
    if (!o.kvlabJson) return {};
    const kv = JSON.parse(fs.readFileSync(o.kvlabJson, "utf8")).generated_ids;
    const n = Math.min(kv.length, ids.length);
    const first = ids.slice(0, n).findIndex((t, i) => t !== kv[i]);
    return {kvlab_ids_compared: n, ids_equal_kvlab: first < 0 && n === ids.length, first_step_differing_from_kvlab: first};
}

async function figureGreedy(model, o, common, bias) {
    const {ctx, rec} = await newContext(model, o, 1, o.promptIds.length + o.maxNewTokens + 1);
    const seq = ctx.getSequence();
    await greedy(seq, o.promptIds, 16, bias); // warm-up: page the weights in, build the graphs
    await seq.clearHistory();
    rec.log.length = 0;
    const {ids, at, t0} = await greedy(seq, o.promptIds, o.maxNewTokens, bias);
    await ctx.dispose();
    const steps = at.slice(1).map((t, i) => t - at[i]); // decode steps: token k -> k+1 (the first token is the prefill)
    const tpot = median(steps);
    const decodes = rec.log.slice(1, ids.length);
    return {...common, figure: "decode_b1", sequences: 1, prompt_tokens: o.promptIds.length, new_tokens: ids.length,
        tpot_median_ms: round(tpot), tok_s_median: round(1000 / tpot, 2),
        decode_tok_s: round((ids.length - 1) / ((at[at.length - 1] - at[0]) / 1000), 2),
        llama_decode_median_ms: round(median(decodes.map((d) => d.decode_ms))), llama_decode_calls: decodes.length,
        tokens_per_decode_max: Math.max(...decodes.map((d) => d.tokens)), prefill_ms: round(at[0] - t0),
        ...kvlabAgreement(o, ids), ids};
}

// B sequences decoding in one context. "lockstep" (default) asks every sequence for its next token in the same
// event-loop turn, as a server's step does, so node-llama-cpp queues all B decodes before its "nextCycle"
// dispatch and one llama_decode carries them; "free" lets each sequence run on its own, and then a sequence whose
// sampling finished a turn late misses the batch (see tools/README.md). The recorder shows which happened.
async function figureBatch(model, o, common, bias, b) {
    const {ctx, rec} = await newContext(model, o, b, o.promptIds.length + o.batchNewTokens + 1);
    const seqs = Array.from({length: b}, () => ctx.getSequence());
    const free = (n) => Promise.all(seqs.map((s) => greedy(s, o.promptIds, n, bias)));
    const lockstep = async (n) => {
        const gens = seqs.map((s) => s.evaluate(o.promptIds, {temperature: 0, tokenBias: bias}));
        const runs = seqs.map(() => ({ids: [], at: []}));
        for (let k = 0; k < n; k++) {
            const next = await Promise.all(gens.map((g) => g.next()));
            const t = performance.now();
            next.forEach((r, i) => { runs[i].ids.push(r.value); runs[i].at.push(t); });
        }
        await Promise.all(gens.map((g) => g.return()));
        return runs;
    };
    const run = o.dispatch === "free" ? free : lockstep;
    await run(8); // warm-up
    for (const s of seqs) await s.clearHistory();
    rec.log.length = 0;
    const runs = await run(o.batchNewTokens);
    await ctx.dispose();
    // decode phase: from the moment every sequence has its first token until every sequence has its last
    const start = Math.max(...runs.map((r) => r.at[0]));
    const end = Math.max(...runs.map((r) => r.at[r.at.length - 1]));
    const tokens = runs.reduce((n, r) => n + r.at.filter((t) => t > start).length, 0);
    const decodes = rec.log.filter((d) => d.t >= start - 1e-6 && d.t < end);
    const gaps = decodes.slice(1).map((d, i) => d.t - decodes[i].t);
    const sameIds = runs.every((r) => r.ids.join() === runs[0].ids.join());
    return {...common, figure: `decode_b${b}`, sequences: b, dispatch: o.dispatch, prompt_tokens: o.promptIds.length,
        new_tokens: o.batchNewTokens, aggregate_tok_s: round(tokens / ((end - start) / 1000), 2),
        tpot_median_ms: round(median(gaps)), llama_decode_median_ms: round(median(decodes.map((d) => d.decode_ms))),
        decode_steps: o.batchNewTokens - 1, llama_decode_calls: decodes.length,
        tokens_per_decode_median: median(decodes.map((d) => d.tokens)), tokens_per_decode_min: Math.min(...decodes.map((d) => d.tokens)),
        prefill_decode: rec.log.length ? {sequences: rec.log[0].sequences, tokens: rec.log[0].tokens} : null,
        rows_equal_ids: sameIds};
}

async function figurePrefill(model, o, common, bias) {
    const prompt = Array.from({length: o.prefillTokens}, (_, i) => FOX[i % FOX.length]);
    const {ctx, rec} = await newContext(model, o, 1, o.prefillTokens + 2);
    const seq = ctx.getSequence();
    const times = [];
    const decodeMs = [];
    for (let r = 0; r <= o.repeats; r++) { // r = 0 is the warm-up
        await seq.clearHistory();
        rec.log.length = 0;
        const {at, t0} = await greedy(seq, prompt, 1, bias); // the whole prompt in one llama_decode, then the first token
        if (rec.log.length !== 1 || rec.log[0].tokens !== o.prefillTokens) throw new Error(`prefill took ${rec.log.length} llama_decode calls`);
        if (r > 0) {
            times.push(at[0] - t0);
            decodeMs.push(rec.log[0].decode_ms);
        }
    }
    await ctx.dispose();
    const ms = median(times);
    return {...common, figure: `prefill_${o.prefillTokens}`, sequences: 1, prompt_tokens: o.prefillTokens,
        prefill_median_ms: round(ms), prefill_tok_s: round(o.prefillTokens / (ms / 1000), 1),
        llama_decode_median_ms: round(median(decodeMs)), llama_decode_calls: 1, repeats: o.repeats,
        prefill_ms_all: times.map((t) => round(t))};
}

// Teacher-forced on kvlab's greedy ids (--kvlab-json): does llama.cpp rank kvlab's token first at every step? A
// free-running comparison stops meaning anything after the first near-tie flips; this one does not.
async function figureAgreement(model, o, common) {
    const kv = JSON.parse(fs.readFileSync(o.kvlabJson, "utf8"));
    const prompt = kv.prompt_ids;
    const gen = kv.generated_ids;
    const {ctx} = await newContext(model, o, 1, prompt.length + gen.length + 1);
    const seq = ctx.getSequence();
    const input = [...prompt, ...gen.slice(0, -1)];
    const first = prompt.length - 1;
    const want = {generateNext: {logits: {filter: {includeTop: 3}}}};
    const out = await seq.controlledEvaluate(input.map((t, i) => (i >= first ? [t, want] : t)));
    await ctx.dispose();
    const eos = model.tokens.eos;
    const disagreements = [];
    const margins = [];
    for (let s = 0; s < gen.length; s++) {
        const top = [...out[first + s].next.logits.entries()].filter(([t]) => t !== eos).sort((x, y) => y[1] - x[1]);
        margins.push(top[0][1] - top[1][1]);
        if (top[0][0] !== gen[s]) {
            const kvLogit = out[first + s].next.logits.get(gen[s]);
            disagreements.push({step: s, kvlab: gen[s], llama_cpp: top[0][0], llama_cpp_margin: top[0][1] - (kvLogit ?? top[1][1])});
        }
    }
    return {...common, figure: "agreement_kvlab", prompt_ids: prompt, steps: gen.length,
        top1_agree: gen.length - disagreements.length, disagreements, llama_cpp_min_top2_margin: Math.min(...margins)};
}

// Teacher-forced logits against an hf-gpt2 fixture (Hugging Face transformers' own outputs): the logits that pick
// generated token STEP, after the prompt and HF's first STEP tokens; plus 64 free-running greedy ids vs HF's.
async function figureFixture(model, o, common, bias) {
    const dir = o.fixture;
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const rows = [];
    for (const [name, p] of Object.entries(expected.prompts)) {
        const steps = Object.keys(p.logits_files).map(Number);
        const input = [...p.prompt_ids, ...p.generated_ids.slice(0, Math.max(...steps))];
        const {ctx} = await newContext(model, o, 1, input.length + p.generated_ids.length + 1);
        const seq = ctx.getSequence();
        const at = new Map(steps.map((s) => [p.prompt_ids.length - 1 + s, s]));
        const out = await seq.controlledEvaluate(input.map((t, i) => (at.has(i) ? [t, {generateNext: {logits: true}}] : t)));
        let maxAbs = 0;
        const perStep = {};
        for (const [i, s] of at) {
            const ref = new Float32Array(fs.readFileSync(path.join(dir, p.logits_files[s])).buffer.slice(0));
            const got = out[i].next.logits;
            let m = 0;
            for (let t = 0; t < ref.length; t++) m = Math.max(m, Math.abs(got.get(t) - ref[t]));
            perStep[s] = m;
            maxAbs = Math.max(maxAbs, m);
        }
        await seq.clearHistory();
        const {ids} = await greedy(seq, p.prompt_ids, p.generated_ids.length, bias);
        await ctx.dispose();
        const firstDiff = ids.findIndex((t, i) => t !== p.generated_ids[i]);
        rows.push({...common, figure: "fixture", fixture: path.basename(path.resolve(dir)), prompt: name,
            max_abs_logit_diff: maxAbs, max_abs_logit_diff_by_step: perStep, min_top2_margin: p.min_top2_margin,
            greedy_equal: firstDiff < 0, first_differing_step: firstDiff, new_tokens: ids.length});
    }
    return rows;
}

async function main() {
    const o = options();
    await loadBinding();
    const llama = await getLlama({gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true,
        progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: o.threads});
    let model;
    try {
        model = await llama.loadModel({modelPath: o.model, gpuLayers: 0});
    } catch (e) {
        fail(`${o.model}: llama.cpp could not load it (${e.message.split("\n")[0]})`);
    }
    const bias = TokenBias.for(model).set(model.tokens.eos, "never");
    const binding = JSON.parse(fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve("node-llama-cpp")), "..", "package.json"), "utf8"));
    const common = {engine: "llama.cpp", llama_cpp: llama.llamaCppRelease.release, binding: `node-llama-cpp ${binding.version}`,
        build: llama.buildType, gpu: llama.gpu, threads: o.threads, kv_type: o.kvType.toLowerCase(),
        flash_attn: {auto: "auto", true: "on", false: "off"}[String(o.flashAttn)], model: path.basename(o.model),
        cpu: os.cpus()[0].model, host_cores: os.cpus().length, ggml_cpu: llama.systemInfo.trim()};
    const emit = (row) => console.log(JSON.stringify(row));
    if (o.only.includes("greedy")) emit(await figureGreedy(model, o, common, bias));
    if (o.only.includes("batch")) for (const b of o.batches) emit(await figureBatch(model, o, common, bias, b));
    if (o.only.includes("prefill")) emit(await figurePrefill(model, o, common, bias));
    if (o.only.includes("agreement")) emit(await figureAgreement(model, o, common));
    if (o.only.includes("fixture")) for (const row of await figureFixture(model, o, common, bias)) emit(row);
    await model.dispose();
    await llama.dispose();
}

main().catch((e) => {
    console.error(`bench: ${e.stack ?? e}`);
    process.exit(1);
});
