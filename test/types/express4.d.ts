// Express 4 is installed under the alias `express4` so the adapter is tested on both majors.
declare module 'express4' {
  import express = require('express');
  export = express;
}
