// Run buttons for the book's Rust cells (loaded through `additional-js` in book.toml).
//
// Active only on a page served from localhost (`mdbook serve book`) while `d2l-rnn book-runner`
// answers on 127.0.0.1:3001: each Rust cell then gets a button that compiles the cell against
// this crate, runs it, and shows its output under the cell. While a cell runs, the button
// cancels it and the seconds and the output so far are shown.
(function () {
    'use strict';
    if (location.hostname !== 'localhost' && location.hostname !== '127.0.0.1') {
        return;
    }
    const RUNNER = 'http://127.0.0.1:3001';

    function post(path, body) {
        return fetch(RUNNER + path, {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify(body || {}),
        }).then(function (response) {
            return response.json();
        });
    }

    function outputBox(pre) {
        let box = pre.nextElementSibling;
        if (!box || !box.classList.contains('d2l-run-output')) {
            box = document.createElement('pre');
            box.className = 'd2l-run-output';
            pre.insertAdjacentElement('afterend', box);
        }
        return box;
    }

    let busy = false;

    function run(pre, code, button) {
        if (busy) {
            post('/cancel.json');
            return;
        }
        busy = true;
        const box = outputBox(pre);
        box.classList.remove('d2l-run-error');
        box.textContent = '编译并运行中…';
        button.textContent = '■ 取消';
        const started = Date.now();
        const timer = setInterval(function () {
            post('/progress.json').then(function (p) {
                if (p.running) {
                    const seconds = Math.round((Date.now() - started) / 1000);
                    box.textContent = '运行中… ' + seconds + ' 秒（点“取消”停止）\n' + p.output;
                }
            }).catch(function () {});
        }, 1000);
        post('/evaluate.json', {code: code}).then(function (answer) {
            if (answer.error) {
                box.classList.add('d2l-run-error');
                box.textContent = answer.error;
            } else {
                box.textContent = answer.result === '' ? '（没有输出）' : answer.result;
            }
        }).catch(function (e) {
            box.classList.add('d2l-run-error');
            box.textContent = '无法连接 book-runner：' + e;
        }).finally(function () {
            clearInterval(timer);
            busy = false;
            button.textContent = '▶ 运行';
            box.setAttribute('data-done', '');
        });
    }

    function addButtons() {
        for (const code of document.querySelectorAll('pre > code.language-rust')) {
            const pre = code.parentElement;
            const button = document.createElement('button');
            button.className = 'd2l-run';
            button.type = 'button';
            button.textContent = '▶ 运行';
            button.title = '用 d2l-rnn book-runner 在本机编译并运行这个单元';
            button.addEventListener('click', function () {
                run(pre, code.textContent, button);
            });
            pre.insertAdjacentElement('beforebegin', button);
        }
        document.body.setAttribute('data-d2l-runner', 'ready');
    }

    post('/status.json').then(function (status) {
        if (status.ready) {
            addButtons();
        }
    }).catch(function () {
        // No runner: the page stays as it is.
    });
})();
