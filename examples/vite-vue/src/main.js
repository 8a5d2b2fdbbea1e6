import { createApp, ref } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import { configure, setupShare } from 'wechat-share';
import App from './App.vue';
import Home from './views/Home.vue';
import Product from './views/Product.vue';

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: Home, meta: { title: 'Shop', desc: 'Everything for spring' } },
    { path: '/products/:id', component: Product, meta: { title: 'Product', desc: 'In stock' } },
  ],
});

// The Vite plugin (vite.config.js) serves this endpoint in development; in production it is your
// signing server's.
configure({ endpoint: '/api/wechat/signature' });

// What the last setupShare said, shown by App.vue.
export const shareStatus = ref('starting…');
router.afterEach((to) => {
  const title = to.params.id ? `${to.meta.title} ${to.params.id}` : to.meta.title;
  document.title = title;
  // Never throws; outside WeChat it resolves { status: 'unsupported' } without loading anything.
  setupShare({ title, desc: to.meta.desc, imgUrl: '/card.png' })
    .then((result) => (shareStatus.value = result.status))
    .catch((error) => (shareStatus.value = `${error.code}: ${error.hint ?? error.message}`));
});

createApp(App).use(router).mount('#app');
