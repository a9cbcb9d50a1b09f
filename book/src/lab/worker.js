// The lab's Web Worker: the d2l-rnn library compiled to WebAssembly (pkg/, built by
// book/build.sh) trains here, one mini-batch per call of `lab.step()`, yielding to the
// worker's event loop between calls so that Stop is read after the mini-batch in progress.
import init, { Lab, last_panic, read_corpus } from './pkg/d2l_rnn_lab.js';

let lab = null;        // the run: a model, its optimiser, the loop
let corpus = null;     // { text, source }
let generation = 0;    // a loop whose generation is not this one stops
let lastBatch = null;  // { epoch, batch, batches } of the last mini-batch trained

const post = (message) => postMessage(message);
// A panic in the module surfaces as a RuntimeError ("unreachable"): add its message.
const messageOf = (e) => {
    const message = (e && e.message) ? e.message : String(e);
    return e instanceof WebAssembly.RuntimeError ? `${message}: ${last_panic()}` : message;
};

const ready = init().then(
    () => post({ kind: 'ready' }),
    (e) => { post({ kind: 'fatal', message: messageOf(e) }); throw e; });

// A zero-delay yield: a message through a channel comes back after the messages
// already queued for this worker (Stop, say) have been handled.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();
const yieldToEvents = () => new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
});

async function loadCorpus(message) {
    if (message.file) {
        const text = read_corpus(message.file.name, new Uint8Array(message.file.bytes), false);
        corpus = { text, source: message.file.name };
    } else if (message.pasted !== undefined && message.pasted !== null) {
        const bytes = new TextEncoder().encode(message.pasted);
        corpus = { text: read_corpus('pasted.txt', bytes, false), source: 'pasted' };
    } else if (!corpus) {
        const response = await fetch(message.lyricsUrl).catch(() => null);
        if (!response || !response.ok) {
            return false;
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        corpus = { text: read_corpus('jaychou_lyrics.txt.zip', bytes, true), source: 'lyrics' };
    }
    post({ kind: 'corpus', source: corpus.source, chars: [...corpus.text].length });
    return true;
}

// Trains until the run ends, fails or a newer command takes over.
async function run(myGeneration) {
    while (myGeneration === generation) {
        try {
            const event = JSON.parse(lab.step());
            if (event.kind === 'batch') {
                lastBatch = event;
                post(event);
            } else if (event.kind === 'epoch') {
                post({ ...event, history: lab.history_json(), label: lab.label() });
            } else {
                generation++;
                post({ kind: 'done', epochs: event.epochs, gradient: JSON.parse(lab.gradient_json()) });
                return;
            }
        } catch (e) {
            generation++;
            post({ kind: 'error', during: 'training', message: messageOf(e) });
            return;
        }
        await yieldToEvents();
    }
}

const commands = {
    async start(message) {
        generation++;
        try {
            if (!(await loadCorpus(message))) {
                post({ kind: 'need-corpus' });
                return;
            }
        } catch (e) {
            post({ kind: 'error', during: 'corpus', message: messageOf(e) });
            return;
        }
        let next;
        try {
            next = new Lab(JSON.stringify(message.settings), corpus.text);
        } catch (e) {
            post({ kind: 'error', during: 'settings', message: messageOf(e) });
            return;
        }
        if (lab) {
            lab.free();
        }
        lab = next;
        lastBatch = null;
        post({ kind: 'started' });
        run(generation);
    },
    stop() {
        generation++;
        post({ ...(lastBatch || {}), kind: 'stopped' });
    },
    continue(message) {
        if (!lab) {
            return;
        }
        generation++;
        if (message.more) {
            lab.extend(message.more);
        }
        post({ kind: 'continued' });
        run(generation);
    },
    gradient() {
        if (lab) {
            post({ kind: 'gradient', gradient: JSON.parse(lab.gradient_json()) });
        }
    },
    write(message) {
        if (!lab) {
            post({ kind: 'error', during: 'write', message: '还没有模型：先点“训练”。' });
            return;
        }
        const { prefix, len, temperature, seed } = message;
        post({ kind: 'written', text: lab.write(prefix, len, temperature, BigInt(seed)) });
    },
};

onmessage = async ({ data }) => {
    try {
        await ready;
        await commands[data.cmd](data);
    } catch (e) {
        post({ kind: 'error', during: data.cmd, message: messageOf(e) });
    }
};
