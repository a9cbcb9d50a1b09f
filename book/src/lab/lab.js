// The lab page (lab.html): controls <-> the address's query string, a Web Worker that
// trains (worker.js), the log in the command line's format, the curves as SVG.
const NAMES = ['model', 'impl', 'sampling', 'lr', 'clip', 'hidden', 'num_steps', 'batch_size',
    'epochs', 'seed', 'pred_period', 'temperature'];
const $ = (id) => document.getElementById(id);
const log = $('lab-log');
const here = new URL('.', import.meta.url);

function say(text) {
    log.textContent += text + '\n';
    log.scrollTop = log.scrollHeight;
}

const MISSING = '实验室的 WebAssembly 模块（lab/pkg/）没有载入。实验室需要支持 WebAssembly SIMD 的浏览器'
    + '（Chrome 91、Firefox 114、Safari 16.4 及以后），以及用 bash book/build.sh 构建的本书。';

// The figures are drawn here, with the module loaded a second time: plotters measures
// text in the page's document, which the worker has not.
const drawing = import('./pkg/d2l_rnn_lab.js').then(async (module) => {
    await module.default();
    return module;
});
drawing.catch(() => showError(MISSING));

async function draw(id, svg) {
    try {
        $(id).innerHTML = svg(await drawing);
    } catch (e) {
        showError('画图出错：' + ((e && e.message) || e));
    }
}

function showError(message) {
    const box = $('lab-error');
    box.textContent = message;
    box.hidden = !message;
}

function setRunning(running, canContinue) {
    $('lab-train').disabled = running;
    $('lab-stop').disabled = !running;
    $('lab-continue').disabled = running || !canContinue;
}

// The query string's settings into the controls; the controls' into the address.
function readAddress() {
    const query = new URLSearchParams(location.search);
    for (const name of NAMES) {
        if (query.has(name)) {
            const control = $('lab-' + name);
            const value = query.get(name);
            if (control.tagName === 'SELECT' && ![...control.options].some((o) => o.value === value)) {
                control.add(new Option(value, value));  // the library names what is wrong with it
            }
            control.value = value;
        }
    }
    if (query.has('prefix')) {
        $('lab-prefix').value = query.getAll('prefix').join('，');
    }
    return query;
}

function prefixes() {
    return $('lab-prefix').value.split(/[,，]/).map((p) => p.trim()).filter((p) => p);
}

function settings() {
    const pairs = NAMES.filter((n) => n !== 'temperature').map((n) => [n, $('lab-' + n).value]);
    for (const p of prefixes()) {
        pairs.push(['prefix', p]);
    }
    return pairs;
}

function writeAddress() {
    const query = new URLSearchParams();
    for (const name of NAMES) {
        query.set(name, $('lab-' + name).value);
    }
    for (const p of prefixes()) {
        query.append('prefix', p);
    }
    history.replaceState(null, '', '?' + query.toString());
}

const worker = new Worker(new URL('worker.js', here), { type: 'module' });
let pendingFile = null;  // a corpus the reader chose, sent with the next start

function start(corpus) {
    showError('');
    writeAddress();
    setRunning(true, false);
    worker.postMessage({
        cmd: 'start',
        settings: settings(),
        lyricsUrl: new URL('jaychou_lyrics.txt.zip', here).href,
        ...corpus,
    });
}

worker.onmessage = ({ data }) => {
    switch (data.kind) {
        case 'ready':
            $('lab-status').textContent = '模型库已载入浏览器。';
            if (new URLSearchParams(location.search).get('autostart') === '1') {
                start({});
            }
            break;
        case 'fatal':
            showError(MISSING + '（' + data.message + '）');
            setRunning(true, false);
            $('lab-stop').disabled = true;
            break;
        case 'corpus':
            $('lab-corpus-status').textContent = data.source === 'lyrics'
                ? `：周杰伦歌词的前 ${data.chars} 个字符（随本书提供）。`
                : `：${data.source === 'pasted' ? '粘贴的文本' : data.source}，${data.chars} 个字符。`;
            break;
        case 'need-corpus':
            $('lab-corpus').open = true;
            showError('这本书构建时没有带上歌词语料：请在下面选择一个文本文件或 zip，或粘贴一段文本。');
            setRunning(false, false);
            break;
        case 'started':
            log.textContent = '';
            $('lab-gradient').innerHTML = '';
            break;
        case 'batch':
            $('lab-status').textContent =
                `第 ${data.epoch} 个迭代周期：第 ${data.batch}/${data.batches} 个小批量`;
            break;
        case 'epoch':
            say(data.line);
            for (const sample of data.samples) {
                say(sample);
            }
            draw('lab-chart', (m) => m.perplexity_svg(data.history, data.label));
            break;
        case 'stopped':
            $('lab-status').textContent = data.epoch
                ? `已停在第 ${data.epoch} 个迭代周期的第 ${data.batch}/${data.batches} 个小批量之后。`
                : '已停止。';
            setRunning(false, true);
            worker.postMessage({ cmd: 'gradient' });
            break;
        case 'continued':
            setRunning(true, false);
            break;
        case 'done':
            say('done');
            $('lab-status').textContent = `训练完成：共 ${data.epochs} 个迭代周期。`;
            draw('lab-gradient', (m) => m.gradient_svg(data.gradient.label, new Float64Array(data.gradient.norms)));
            setRunning(false, true);
            break;
        case 'gradient':
            draw('lab-gradient', (m) => m.gradient_svg(data.gradient.label, new Float64Array(data.gradient.norms)));
            break;
        case 'written':
            $('lab-written').textContent = data.text;
            break;
        case 'error':
            showError(data.message);
            if (data.during === 'training') {
                say(data.message);
                $('lab-status').textContent = '训练已停止。';
            }
            if (!['write', 'gradient'].includes(data.during)) {
                setRunning(false, false);
            }
            break;
    }
};
worker.onerror = (e) => {
    showError(MISSING + (e.message ? '（' + e.message + '）' : ''));
    setRunning(true, false);
    $('lab-stop').disabled = true;
};

readAddress();
for (const name of [...NAMES, 'prefix']) {
    $('lab-' + name).addEventListener('change', writeAddress);
}
$('lab-train').onclick = () => {
    const file = pendingFile;
    pendingFile = null;
    start(file || {});
};
$('lab-stop').onclick = () => worker.postMessage({ cmd: 'stop' });
$('lab-continue').onclick = () => {
    const done = log.textContent.endsWith('done\n');
    setRunning(true, false);
    worker.postMessage({ cmd: 'continue', more: done ? Number($('lab-epochs').value) || 0 : 0 });
};
$('lab-write').onclick = () => worker.postMessage({
    cmd: 'write',
    prefix: prefixes()[0] || '',
    len: 50,
    temperature: Number($('lab-temperature').value),
    seed: $('lab-seed').value.trim() || '0',
});
$('lab-file').onchange = async () => {
    const file = $('lab-file').files[0];
    if (file) {
        pendingFile = { file: { name: file.name, bytes: await file.arrayBuffer() } };
        $('lab-corpus-status').textContent = `已选择 ${file.name}：点“训练”后读入。`;
    }
};
$('lab-use-text').onclick = () => {
    pendingFile = { pasted: $('lab-paste').value };
    $('lab-corpus-status').textContent = '已收到粘贴的文本：点“训练”后读入。';
};
