// A small single-page app with history routing. Every route change calls setupShare with that
// route's card; the SDK signs again only when the URL to sign changed (iOS keeps the entry URL).
//
// Two things real apps do, kept on purpose: the router sends "/spa/" on to "/spa/home" with
// pushState (a redirect in a navigation guard), and the SDK is imported lazily, on the first
// share, after that pushState. On iOS WeChat the signature must still be for "/spa/", the URL the
// page was entered with; the SDK knows it from the navigation entry.
const routes = [
  { path: /^\/spa\/home$/, title: 'Shop', desc: 'Everything green, shipped in a day.', body: 'Welcome to the shop.' },
  { path: /^\/spa\/products\/(\d+)$/, title: 'Product', desc: 'A fine green thing.', body: 'A product page.' },
  { path: /^\/spa\/about$/, title: 'About us', desc: 'Who we are.', body: 'We sell green things.' },
];

let sdk;
async function share(card) {
  // import() resolves 'wechat-share' like a static import; bundlers split it into its own chunk.
  sdk ??= import('wechat-share').then((module) => {
    module.configure({ endpoint: '/api/wechat/signature' });
    return module;
  });
  return (await sdk).setupShare(card);
}

function render() {
  const route = routes.find((r) => r.path.test(location.pathname)) ?? routes[0];
  const id = (route.path.exec(location.pathname) ?? [])[1];
  const title = id ? `${route.title} ${id}` : route.title;
  document.title = title;
  document.getElementById('view').innerHTML = `<h1>${title}</h1><p>${route.body}</p>`;
  const status = document.getElementById('status');
  status.textContent = 'starting…';
  share({ title, desc: route.desc, imgUrl: '/assets/card.png' }).then(
    (result) => (status.textContent = result.status),
    (error) => (status.textContent = `${error.code}: ${error.message}`),
  );
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element && event.target.closest('a[data-link]');
  if (!link) return;
  event.preventDefault();
  history.pushState(null, '', link.getAttribute('href'));
  render();
});
window.addEventListener('popstate', render);
if (/^\/spa\/?$/.test(location.pathname)) history.pushState(null, '', `/spa/home${location.search}${location.hash}`);
render();
