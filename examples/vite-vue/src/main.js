import { createApp, ref } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import { configure, setupShare } from 'wechat-share';
import App from './App.vue';
import Home from './views/Home.vue';
import Product from './views/Product.vue';
import Weapp from './views/Weapp.vue';

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: Home, meta: { title: 'Shop', desc: 'Everything for spring' } },
    { path: '/products/:id', component: Product, meta: { title: 'Product', desc: 'In stock' } },
    // A route with an open tag: its setupShare asks for it in the same wx.config as the card.
    { path: '/weapp', component: Weapp, meta: { title: 'Mini Program', desc: 'Open it from here', openTagList: ['wx-open-launch-weapp'] } },
  ],
});

// What the last setupShare said, shown by App.vue.
export const shareStatus = ref('starting…');
// WeixinOpenTagsError's errMsg, when WeChat says open tags cannot work here: Weapp.vue then shows a
// plain link instead of the tag.
export const openTagsError = ref('');

// The Vite plugin (vite.config.js) serves this endpoint in development; in production it is your
// signing server's. One route has an open tag, so the whole app loads jweixin 1.6.0 from the start:
// only one jweixin runs on a page, the first one loaded.
configure({
  endpoint: '/api/wechat/signature',
  jweixinVersion: '1.6.0',
  onOpenTagsError: (errMsg) => (openTagsError.value = errMsg),
});
router.afterEach((to) => {
  const title = to.params.id ? `${to.meta.title} ${to.params.id}` : to.meta.title;
  document.title = title;
  // Never throws; outside WeChat it resolves { status: 'unsupported' } without loading anything.
  // With open tags, every call configures again (the signature it holds is reused), so the tag
  // this route renders is covered.
  setupShare({ title, desc: to.meta.desc, imgUrl: '/card.png' }, { openTagList: to.meta.openTagList ?? [] })
    .then((result) => (shareStatus.value = result.status))
    .catch((error) => (shareStatus.value = `${error.code}: ${error.hint ?? error.message}`));
});

createApp(App).use(router).mount('#app');
