// Search for Chinese readers, loaded in every page's <head> (theme/head.hbs), before mdBook's
// own scripts: it patches elasticlunr the moment elasticlunr.min.js defines it, so the patch is
// in place however early the search index arrives.
//
// mdBook 0.5.4's search splits text into words at spaces, and elasticlunr's trimmer then strips
// every character outside [A-Za-z0-9_], so a query such as 困惑度 finds nothing. When the index
// is loaded, this script rebuilds it from the stored sections with a tokenizer that turns each
// run of Chinese characters into its overlapping character pairs (困惑度 -> 困惑, 惑度) and
// keeps other words as mdBook does; queries go through the same tokenizer, and book.toml asks
// for every pair to match. It also cuts long Chinese teasers to the text around the match.
(function () {
    'use strict';
    const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff';
    const IS_HAN = new RegExp('[' + HAN + ']');
    const RUNS = new RegExp('[' + HAN + ']+|[^\\s' + HAN + ']+', 'g');

    function tokenize(text) {
        if (text === null || text === undefined) {
            return [];
        }
        if (Array.isArray(text)) {
            return [].concat.apply([], text.map(tokenize));
        }
        const tokens = [];
        for (const piece of String(text).toLowerCase().split(/[\s-]+/)) {
            for (const run of piece.match(RUNS) || []) {
                if (!IS_HAN.test(run[0])) {
                    tokens.push(run);
                } else if (run.length === 1) {
                    tokens.push(run);
                } else {
                    for (let i = 0; i + 1 < run.length; i++) {
                        tokens.push(run.slice(i, i + 2));
                    }
                }
            }
        }
        return tokens;
    }
    function patch(elasticlunr) {
        for (const key of Object.keys(elasticlunr.tokenizer)) {
            tokenize[key] = elasticlunr.tokenizer[key];
        }
        elasticlunr.tokenizer = tokenize;

        // Strips punctuation (ASCII or not) from the ends of a token, keeps letters of any script.
        function trimmer(token) {
            return token.replace(/^[^\p{L}\p{N}_]+/u, '').replace(/[^\p{L}\p{N}_]+$/u, '');
        }
        elasticlunr.Pipeline.registerFunction(trimmer, 'trimmerUnicode');

        const load = elasticlunr.Index.load;
        elasticlunr.Index.load = function (serialised) {
            const stored = load.call(elasticlunr.Index, serialised);
            const index = new elasticlunr.Index();
            index.pipeline.add(trimmer, elasticlunr.stopWordFilter, elasticlunr.stemmer);
            stored._fields.forEach(function (field) {
                index.addField(field);
            });
            index.setRef(stored._ref);
            index.saveDocument(true);
            const docs = stored.documentStore.docs;
            for (const ref of Object.keys(docs)) {
                const doc = Object.assign({}, docs[ref]);
                doc[stored._ref] = ref;
                index.addDoc(doc, false);
            }
            window.d2lSearchTokenize = tokenize; // for the browser tests
            window.d2lSearchIndex = index; // the teasers below read the sections' text from it
            return index;
        };
    }
    if (window.elasticlunr) {
        patch(window.elasticlunr);
    } else {
        let defined;
        Object.defineProperty(window, 'elasticlunr', {
            configurable: true,
            get: function () {
                return defined;
            },
            set: function (value) {
                defined = value;
                if (value) {
                    patch(value);
                }
            },
        });
    }

    // Teasers: mdBook picks 30 space-separated "words", which in Chinese can be a whole
    // section. Keep about 80 characters around the first match and mark the match.
    function escapeHtml(s) {
        return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    }
    // The whole text of the section a teaser belongs to (mdBook's teaser is only a window).
    function sectionText(teaser) {
        const link = teaser.parentElement && teaser.parentElement.querySelector('a');
        const index = window.d2lSearchIndex;
        const urls = window.search && window.search.doc_urls;
        if (!link || !index || !urls) {
            return null;
        }
        const href = decodeURIComponent(link.getAttribute('href')).replace(/\?[^#]*/, '');
        const ref = urls.findIndex(function (url) {
            return href.endsWith(decodeURIComponent(url));
        });
        const doc = ref >= 0 ? index.documentStore.getDoc(String(ref)) : null;
        return doc ? doc.body : null;
    }

    function shortenTeasers() {
        const bar = document.getElementById('mdbook-searchbar');
        const results = document.getElementById('mdbook-searchresults');
        if (!bar || !results) {
            return;
        }
        const query = bar.value.trim().toLowerCase();
        if (!IS_HAN.test(query)) {
            return;
        }
        const terms = tokenize(query).filter(function (t) {
            return IS_HAN.test(t);
        });
        for (const teaser of results.querySelectorAll('span.teaser:not([data-zh])')) {
            const text = sectionText(teaser) || teaser.textContent;
            const lower = text.toLowerCase();
            let at = lower.indexOf(query);
            let length = query.length;
            for (let i = 0; at < 0 && i < terms.length; i++) {
                at = lower.indexOf(terms[i]);
                length = terms[i].length;
            }
            teaser.setAttribute('data-zh', '');
            if (at < 0) {
                continue;
            }
            const start = Math.max(0, at - 30);
            const end = Math.min(text.length, at + length + 50);
            teaser.innerHTML = (start > 0 ? '…' : '') + escapeHtml(text.slice(start, at))
                + '<em>' + escapeHtml(text.slice(at, at + length)) + '</em>'
                + escapeHtml(text.slice(at + length, end)) + (end < text.length ? '…' : '');
        }
    }
    document.addEventListener('DOMContentLoaded', function () {
        const results = document.getElementById('mdbook-searchresults');
        if (results) {
            new MutationObserver(shortenTeasers).observe(results, {childList: true});
            shortenTeasers(); // results may be in already (a ?search= link, a fast index)
        }
    });
})();
